"""UnixFS: files and directories as DAG-PB DAGs, with the CIDs Kubo and Helia give."""
