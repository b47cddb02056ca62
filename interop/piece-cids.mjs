// Piece CIDs of files, as @web3-storage/data-segment computes them (used by tests/piece/test_interop_js.py).
// Usage: node piece-cids.mjs FILE... ; prints one JSON object per file.
import { readFileSync } from 'node:fs'
import { Piece } from '@web3-storage/data-segment'

for (const path of process.argv.slice(2)) {
  const piece = Piece.fromPayload(readFileSync(path))
  const info = Piece.toInfo(piece)
  console.log(JSON.stringify({
    path,
    piece_cid: info.link.toString(),
    piece_cid_v2: piece.link.toString(),
    piece_size: Number(info.size),
  }))
}
