/**
 * The server's domain types, shared by the gRPC adapters (api), the HTTP adapter (http) and the
 * actors behind them: what a search is to a client ({@link dev.enas.server.domain.SearchInfo}, its
 * sampled history, pages of either) and the one interface the adapters call, {@link
 * dev.enas.server.domain.SearchBackend}, with its one error type. They name no gRPC class and no
 * wire message, so the actors can change neither transport nor contract by accident.
 */
package dev.enas.server.domain;
