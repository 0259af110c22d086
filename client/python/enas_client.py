"""A small Python client of the enas search API (enas.v1.SearchService).

It needs only Debian's python3-grpcio and python3-protobuf: the message classes come from
generate.sh, and the RPCs are called by their method paths, so no gRPC code generator is needed.

Usage: enas_client.py [HOST:PORT] [--tls | --ca-file FILE] [--token-file FILE]
"""
import argparse
import os
import sys

import grpc

import connection  # the connection options, beside this file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

from enas.v1 import architecture_pb2  # noqa: E402  (generated, see generate.sh)
from enas.v1 import search_pb2  # noqa: E402

SERVICE = "/enas.v1.SearchService/"


class EnasClient:
    """Blocking calls to one enas server; watch() yields events as the search produces them."""

    def __init__(self, target="localhost:8980", tls=False, ca_file=None, token=None):
        """tls or ca_file: TLS, trusting ca_file's CA or else the system's; token: a bearer token."""
        self.channel = connection.open_channel(target, tls, ca_file)
        self.metadata = connection.call_metadata(token)

    def _unary(self, method, request, response_class):
        call = self.channel.unary_unary(
            SERVICE + method,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString)
        return call(request, metadata=self.metadata)

    def create_search(self, spec, search_id=""):
        return self._unary("CreateSearch",
                           search_pb2.CreateSearchRequest(spec=spec, search_id=search_id),
                           search_pb2.Search)

    def get_search(self, search_id):
        return self._unary("GetSearch", search_pb2.GetSearchRequest(search_id=search_id),
                           search_pb2.Search)

    def cancel_search(self, search_id, reason=""):
        return self._unary("CancelSearch",
                           search_pb2.CancelSearchRequest(search_id=search_id, reason=reason),
                           search_pb2.Search)

    def watch(self, search_id, from_sequence=0):
        """Yields every event from from_sequence on, replayed then live, until the search ends."""
        call = self.channel.unary_stream(
            SERVICE + "WatchSearch",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=search_pb2.SearchEvent.FromString)
        yield from call(search_pb2.WatchSearchRequest(search_id=search_id,
                                                      from_sequence=from_sequence),
                        metadata=self.metadata)

    def close(self):
        self.channel.close()


def smoke_spec(seed=1):
    """A macro search that takes seconds: 3 layers of 4 channels on 400 embedded images."""
    spec = search_pb2.SearchSpec(seed=seed)
    spec.space.kind = architecture_pb2.SEARCH_SPACE_MACRO
    spec.space.layers = 3
    spec.data.train_limit = 400
    spec.data.validation_fraction = 0.2
    spec.child.channels = 4
    spec.child.batch_size = 16
    spec.shared.epochs = 2
    spec.shared.steps_per_epoch = 4
    spec.controller.updates_per_epoch = 2
    spec.controller.children_per_update = 3
    spec.derive.samples = 6
    spec.derive.top_k = 3
    spec.retrain.network.channels = 4
    spec.retrain.network.batch_size = 16
    spec.retrain.training.epochs = 1
    spec.retrain.training.steps_per_epoch = 4
    return spec


def main(argv):
    parser = argparse.ArgumentParser(
        description="Creates a small search, follows its events and prints the result.")
    parser.add_argument("target", nargs="?", default="localhost:8980", help="HOST:PORT")
    connection.add_arguments(parser)
    args = parser.parse_args(argv)
    client = EnasClient(args.target, args.tls, args.ca_file,
                        connection.read_token(args.token_file))
    try:
        run(client)
    except grpc.RpcError as e:
        print("enas_client.py: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0


def run(client):
    search = client.create_search(smoke_spec())
    print("created", search.id)
    for event in client.watch(search.id):
        kind = event.WhichOneof("kind")
        if kind == "architecture_sampled":
            sampled = event.architecture_sampled
            print(event.sequence, "reward %.3f" % sampled.reward, sampled.architecture.encoding)
        elif kind in ("finished", "failed", "cancelled"):
            print(event.sequence, kind, getattr(event, kind))
    result = client.get_search(search.id).result
    print("derived", result.architecture.encoding, "test accuracy %.3f" % result.test_accuracy)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
