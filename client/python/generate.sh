#!/usr/bin/env bash
# Generates the Python message classes of proto/enas/v1 and proto/inference into client/python/gen,
# with protoc 3.21.12 from Maven Central: the version of Debian's python3-protobuf, whose runtime
# rejects code from newer compilers. No gRPC plugin is needed: enas_client.py and
# inference_client.py call the methods by their paths.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version=3.21.12
protoc="$HOME/.m2/repository/com/google/protobuf/protoc/$version/protoc-$version-linux-x86_64.exe"
if [ ! -x "$protoc" ]; then
  "$root/mvnw" -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
    -Dartifact="com.google.protobuf:protoc:$version:exe:linux-x86_64" >&2
  chmod +x "$protoc"
fi
# The well-known types (Timestamp, Duration) ship as .proto files inside protobuf-java's jar.
include="$(mktemp -d)"
trap 'rm -rf "$include"' EXIT
jar="$(ls "$HOME"/.m2/repository/com/google/protobuf/protobuf-java/4.*/protobuf-java-4.*.jar | head -n 1)"
(cd "$include" && jar xf "$jar" google/protobuf/timestamp.proto google/protobuf/duration.proto)
rm -rf "$here/gen"
mkdir -p "$here/gen"
"$protoc" -I "$root/proto" -I "$include" --python_out="$here/gen" \
  "$root/proto/enas/v1/architecture.proto" "$root/proto/enas/v1/search.proto" \
  "$root/proto/inference/grpc_service.proto"
touch "$here/gen/enas/__init__.py" "$here/gen/enas/v1/__init__.py" "$here/gen/inference/__init__.py"
echo "generated $(find "$here/gen" -name '*_pb2.py' | wc -l) modules into $here/gen" >&2
