"""UnixFS: files and directories as DAG-PB DAGs, with the CIDs Kubo and Helia give.

* :mod:`filnet.unixfs.profiles` -- named import profiles (``unixfs-v1-2025`` by default).
* :mod:`filnet.unixfs.importer` -- ``import_stream``, ``import_bytes``, ``import_path``, ``build_directory``.
* :mod:`filnet.unixfs.exporter` -- ``resolve``, ``stat``, ``ls``, ``cat`` (byte ranges), ``walk``, ``unpack``.
* :mod:`filnet.unixfs.data` -- the UnixFS ``Data`` protobuf; :mod:`filnet.unixfs.hamt` -- sharded directories.
"""
