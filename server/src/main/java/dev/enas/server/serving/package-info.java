/**
 * Model serving: the model repository on disk in Triton's layout ({@code <repo>/<model>/<version>/
 * model.onnx} beside {@code <repo>/<model>/config.pbtxt}), kept in step with the folder by
 * scanning, and one ONNX Runtime session per loaded model version. The only package of the server
 * that touches ONNX Runtime; it knows nothing of gRPC, which the {@code api} package puts in front.
 */
package dev.enas.server.serving;
