"""Generated protobuf and gRPC code of the consortium (``make proto``). Do not edit."""
