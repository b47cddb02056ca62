"""filnet: a decentralized storage network that speaks Filecoin's and IPFS's formats byte for byte."""

__version__ = "0.1.0"
