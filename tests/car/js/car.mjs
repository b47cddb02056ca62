// CAR files through @ipld/car, for filnet's interop tests (run beside a link to interop/node_modules).
//   node car.mjs read FILE.car          -> {"roots": [...], "blocks": [[cid, length, hash_ok], ...]}
//   node car.mjs write FILE.car SEED N  -> writes a CARv1 of N raw blocks under a dag-cbor root, prints the same
import fs from 'node:fs'
import { CarReader, CarWriter } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

async function describe (bytes) {
  const reader = await CarReader.fromBytes(bytes)
  const blocks = []
  for await (const { cid, bytes: data } of reader.blocks()) {
    const digest = await sha256.digest(data)
    const ok = cid.multihash.code !== sha256.code || Buffer.compare(digest.bytes, cid.multihash.bytes) === 0
    blocks.push([cid.toString(), data.length, ok])
  }
  const roots = (await reader.getRoots()).map((c) => c.toString())
  return { roots, blocks }
}

async function write (file, seed, n) {
  // Deterministic pseudo-random leaves (an LCG): the same seed gives the same CAR.
  let x = seed >>> 0
  const leaves = []
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(1 + ((x = (x * 1103515245 + 12345) >>> 0) % 3000))
    for (let j = 0; j < data.length; j++) data[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24
    leaves.push({ cid: CID.createV1(raw.code, await sha256.digest(data)), bytes: data })
  }
  const rootBytes = dagCbor.encode({ name: `seed ${seed}`, leaves: leaves.map((l) => l.cid), n })
  const root = { cid: CID.createV1(dagCbor.code, await sha256.digest(rootBytes)), bytes: rootBytes }
  const { writer, out } = CarWriter.create([root.cid])
  const chunks = []
  const drain = (async () => { for await (const c of out) chunks.push(c) })()
  for (const block of [root, ...leaves]) await writer.put(block)
  await writer.close()
  await drain
  fs.writeFileSync(file, Buffer.concat(chunks))
}

const [cmd, file, ...rest] = process.argv.slice(2)
if (cmd === 'write') await write(file, Number(rest[0]), Number(rest[1]))
else if (cmd !== 'read') throw new Error(`unknown command ${cmd}`)
console.log(JSON.stringify(await describe(fs.readFileSync(file))))
