/**
 * Export of a trained child network to ONNX (IR 8, opset 17) for serving in any ONNX runtime; the
 * only package of the core that touches the ONNX protobuf classes.
 *
 * <p>The exporter walks the network's traced graph ({@link dev.enas.supernet.GraphNode}), so the
 * exported function is by construction the one DJL trained. It maps each primitive exactly, in
 * inference mode: batch norm with running statistics, no dropout. Whether ONNX Runtime then
 * computes the same numbers is checked in the server, which may load ONNX Runtime.
 */
package dev.enas.export;
