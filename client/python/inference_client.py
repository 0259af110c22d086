"""A small Python client of the enas model server: the Open Inference Protocol (KServe v2) gRPC
service, inference.GRPCInferenceService.

Like enas_client.py it needs only Debian's python3-grpcio and python3-protobuf: the message classes
come from generate.sh and the RPCs are called by their method paths. Tensors travel as
raw_input_contents / raw_output_contents, little-endian float32, packed with the struct module, so
numpy is not needed either.

Usage: inference_client.py [HOST:PORT] MODEL [--tls | --ca-file FILE] [--token-file FILE]
"""
import argparse
import os
import struct
import sys

import grpc

import connection  # the connection options, beside this file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

from inference import grpc_service_pb2 as pb  # noqa: E402  (generated, see generate.sh)

SERVICE = "/inference.GRPCInferenceService/"


def pack(values, datatype="FP32"):
    """Values as the protocol's raw form: little-endian float32 or int64, no padding."""
    code = "q" if datatype == "INT64" else "f"
    return struct.pack("<%d%s" % (len(values), code), *values)


def unpack_as(data, datatype):
    """The raw form of an output back to numbers: int64 for INT64, float32 otherwise."""
    if datatype == "INT64":
        return list(struct.unpack("<%dq" % (len(data) // 8), data))
    return unpack(data)


def unpack(data):
    """The inverse of pack."""
    return list(struct.unpack("<%df" % (len(data) // 4), data))


class InferenceClient:
    """Blocking calls to one enas server's inference service."""

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

    def server_live(self):
        return self._unary("ServerLive", pb.ServerLiveRequest(), pb.ServerLiveResponse).live

    def model_ready(self, name, version=""):
        """(ready, reason): the reason says why a version that is not ready cannot serve."""
        answer = self._unary("ModelReady", pb.ModelReadyRequest(name=name, version=version),
                             pb.ModelReadyResponse)
        return answer.ready, answer.reason

    def model_metadata(self, name, version=""):
        return self._unary("ModelMetadata", pb.ModelMetadataRequest(name=name, version=version),
                           pb.ModelMetadataResponse)

    def infer(self, name, inputs, outputs=(), version="", raw=True):
        """Runs the model once.

        inputs maps each input name to (shape, flat list of values, row-major) for FP32, or to
        (shape, values, datatype) with datatype "FP32" or "INT64" (a language model's token ids);
        outputs names the outputs wanted (all when empty). raw=False sends the elements as
        fp32_contents / int64_contents instead of raw bytes. Returns (version that ran,
        {output name: (shape, flat list of values)}).
        """
        request = pb.ModelInferRequest(model_name=name, model_version=version)
        for input_name, spec in inputs.items():
            shape, values = spec[0], spec[1]
            datatype = spec[2] if len(spec) > 2 else "FP32"
            tensor = request.inputs.add(name=input_name, datatype=datatype, shape=shape)
            if raw:
                request.raw_input_contents.append(pack(values, datatype))
            elif datatype == "INT64":
                tensor.contents.int64_contents.extend(values)
            else:
                tensor.contents.fp32_contents.extend(values)
        for output_name in outputs:
            request.outputs.add(name=output_name)
        answer = self._unary("ModelInfer", request, pb.ModelInferResponse)
        results = {}
        for tensor, data in zip(answer.outputs, answer.raw_output_contents):
            results[tensor.name] = (list(tensor.shape), unpack_as(data, tensor.datatype))
        return answer.model_version, results

    def close(self):
        self.channel.close()


def example_pixels(count):
    """A fixed, varied input pattern, so that another program can recompute the answer."""
    return [((i * 7) % 16) / 8.0 - 1.0 for i in range(count)]


def example_tokens(count):
    """Fixed token ids for an INT64 input (a language model's token_ids), all below 5."""
    return [(i * 3) % 5 for i in range(count)]


def main(argv):
    parser = argparse.ArgumentParser(description="Runs a served model once on example inputs.")
    parser.add_argument("target", nargs="?", default="localhost:8980", help="HOST:PORT")
    parser.add_argument("model", help="the model's name")
    connection.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    model = args.model
    client = InferenceClient(args.target, args.tls, args.ca_file,
                             connection.read_token(args.token_file))
    print("live", client.server_live())
    ready, reason = client.model_ready(model)
    print("ready", ready, reason)
    metadata = client.model_metadata(model)
    print("model", metadata.name, "versions", list(metadata.versions), "platform",
          metadata.platform)
    for kind, tensors in (("input", metadata.inputs), ("output", metadata.outputs)):
        for tensor in tensors:
            print(kind, tensor.name, tensor.datatype, list(tensor.shape))
    labels = None
    if "class_labels" in metadata.parameters:
        labels = metadata.parameters["class_labels"].string_param
        print("class_labels", labels)

    # A batch of two: the dynamic batch dimension becomes 2, any other dynamic one 1.
    inputs = {}
    for tensor in metadata.inputs:
        shape = [2 if i == 0 and d < 0 else (1 if d < 0 else d) for i, d in enumerate(tensor.shape)]
        count = 1
        for d in shape:
            count *= d
        if tensor.datatype == "INT64":
            inputs[tensor.name] = (shape, example_tokens(count), "INT64")
        else:
            inputs[tensor.name] = (shape, example_pixels(count))
    version, raw_results = client.infer(model, inputs)
    _, typed_results = client.infer(model, inputs, raw=False)
    print("inferred with version", version)
    for name, (shape, values) in raw_results.items():
        same = max(abs(a - b) for a, b in zip(values, typed_results[name][1])) < 1e-6
        print("output", name, shape, " ".join("%.6f" % v for v in values),
              "(raw and typed contents agree)" if same else "(RAW AND TYPED CONTENTS DIFFER)")
    client.close()


if __name__ == "__main__":
    main(sys.argv)
