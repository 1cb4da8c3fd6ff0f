"""The key-value application: what a chain runs until its real application lands."""

from chains.kv.app import (
    ACCOUNT_PREFIX,
    KV_PREFIX,
    MAX_KEY_BYTES,
    MAX_VALUE_BYTES,
    TX_KV_DELETE,
    TX_KV_SET,
    KvApplication,
    decode_kv_payload,
    encode_kv_delete,
    encode_kv_set,
    get_account_key,
    get_kv_key,
    make_kv_delete_tx,
    make_kv_set_tx,
)

__all__ = [
    "ACCOUNT_PREFIX",
    "KV_PREFIX",
    "MAX_KEY_BYTES",
    "MAX_VALUE_BYTES",
    "TX_KV_DELETE",
    "TX_KV_SET",
    "KvApplication",
    "decode_kv_payload",
    "encode_kv_delete",
    "encode_kv_set",
    "get_account_key",
    "get_kv_key",
    "make_kv_delete_tx",
    "make_kv_set_tx",
]
