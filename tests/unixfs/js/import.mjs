// Import files and directories with ipfs-unixfs-importer; print every imported entry (path, CID, size) as JSON.
// Input on stdin: {"options": {...}, "entries": [{"path": "d/a", "hex": "..."} | {"path": "d/e"}]}.
// Numeric options chunkSize and maxChildrenPerNode pick the chunker and the balanced layout.
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { MemoryBlockstore } from 'blockstore-core'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const { chunkSize, maxChildrenPerNode, ...options } = spec.options
if (chunkSize != null) options.chunker = fixedSize({ chunkSize })
if (maxChildrenPerNode != null) options.layout = balanced({ maxChildrenPerNode })
const entries = spec.entries.map((e) => (e.hex == null ? { path: e.path } : { path: e.path, content: Buffer.from(e.hex, 'hex') }))
const out = []
for await (const entry of importer(entries, new MemoryBlockstore(), options)) {
  out.push({ path: entry.path, cid: entry.cid.toString(), size: Number(entry.size) })
}
console.log(JSON.stringify(out))
