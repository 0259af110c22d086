/**
 * Export of a trained child network to ONNX (IR 8, opset 17) for serving in any ONNX runtime; the
 * only package of the core that touches the ONNX protobuf classes.
 *
 * <p>The CNN exporter ({@link dev.enas.export.OnnxExporter}) walks the network's traced graph
 * ({@link dev.enas.supernet.GraphNode}), so the exported function is by construction the one DJL
 * trained. It maps each primitive exactly, in inference mode: batch norm with running statistics,
 * no dropout. The language-model exporter ({@link dev.enas.export.RnnOnnxExporter}) writes one time
 * step of the recurrent cell from its plain weights, term by term as {@link
 * dev.enas.supernet.RnnReference} defines it. Whether ONNX Runtime computes the same numbers is
 * checked by the tests here and, before a model is served, in the server.
 */
package dev.enas.export;
