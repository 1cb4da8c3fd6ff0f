"""Parsing protobuf bytes from anyone: one function, one error code."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from chains.core.errors import ConsortiumError, ErrorCode

M = TypeVar("M", bound=Message)


def parse_message(message_type: type[M], raw: object) -> M:
    """Parse ``raw`` as ``message_type``; anything undecodable raises MALFORMED_INPUT.

    Parsing only checks the wire format; callers check the fields' shape.
    """
    name = message_type.DESCRIPTOR.name
    if not isinstance(raw, bytes):
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"a {name} must arrive as bytes")
    try:
        return message_type.FromString(raw)
    except (DecodeError, RecursionError, ValueError) as error:
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, f"these bytes are not a {name}: {error}"
        ) from None
