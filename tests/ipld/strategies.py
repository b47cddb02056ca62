"""Hypothesis strategies shared by the IPLD tests."""

from __future__ import annotations

from hypothesis import strategies as st

from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID

_V1_CODECS = st.sampled_from([codecs.RAW, codecs.DAG_PB, codecs.DAG_CBOR, 0x0129, 0xF101, 0x300000])

cids_v1 = st.builds(
    lambda codec, data, hash_code: CID.compute(codec, data, hash_code),
    _V1_CODECS,
    st.binary(max_size=64),
    st.sampled_from([multihash.SHA2_256, multihash.BLAKE2B_256, multihash.IDENTITY]),
)
cids_v0 = st.builds(lambda data: CID.compute(codecs.DAG_PB, data, version=0), st.binary(max_size=64))

#: Any CID filnet can represent: v0, v1 of assorted codecs, sha2-256, blake2b-256 and identity digests.
cids = st.one_of(cids_v1, cids_v0)
