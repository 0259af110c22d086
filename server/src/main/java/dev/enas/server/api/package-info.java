/**
 * The gRPC face of the server: {@code enas.v1.SearchService} on top of {@link
 * dev.enas.server.domain.SearchBackend}, {@code inference.GRPCInferenceService} on top of the
 * serving package's model repository, the one mapping from domain errors to status codes, and the
 * server with health and reflection. The only package that touches gRPC, so the actors behind the
 * backend and the model sessions never see a status code or a stream observer.
 */
package dev.enas.server.api;
