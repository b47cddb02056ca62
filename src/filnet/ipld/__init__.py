"""IPLD: CIDs, multiformats, DAG-CBOR, DAG-PB and block stores."""

from filnet.ipld.cid import CID

__all__ = ["CID"]
