// Keys, addresses, messages and signatures as Zondax's filecoin-signing-tools (its Rust core built to WASM)
// and Glif's filecoin-address see them (used by tests/crypto/test_interop_js.py).
// Usage: node filecoin-keys.mjs < requests.json ; reads a JSON array of requests, prints a JSON array of
// results in the same order. A request that their library rejects yields {"error": "<message>"}.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as glif from '@glif/filecoin-address'

const require = createRequire(import.meta.url)
const zondax = require('@zondax/filecoin-signing-tools')

// Their key recovery, for a Lotus KeyInfo type and a base64 private key.
function recover (type, privateKey, testnet) {
  if (type === 'bls') return zondax.keyRecoverBLS(privateKey, testnet)
  if (type === 'secp256k1') return zondax.keyRecover(privateKey, testnet)
  throw new Error(`unsupported key type ${type}`)
}

const ops = {
  // Address and public key of a private key, and Glif's address of that public key.
  key ({ type, private_key: privateKey, testnet }) {
    const key = recover(type, privateKey, testnet)
    const publicKey = Buffer.from(key.public_hexstring, 'hex')
    const coinType = testnet ? glif.CoinType.TEST : glif.CoinType.MAIN
    const glifAddress = type === 'bls'
      ? glif.newBLSAddress(publicKey, coinType)
      : glif.newSecp256k1Address(publicKey, coinType)
    return { address: key.address, public_key: key.public_hexstring, glif_address: glifAddress.toString() }
  },
  // A `lotus wallet export` text: hex of the KeyInfo JSON {"Type", "PrivateKey"}.
  lotus_import ({ text }) {
    const info = JSON.parse(Buffer.from(text.trim(), 'hex').toString('utf8'))
    return { address: recover(info.Type, info.PrivateKey, false).address }
  },
  // A fresh key of theirs (BIP-44 path of Filecoin from a new mnemonic), as a Lotus KeyInfo and its address.
  derive ({ index }) {
    const key = zondax.keyDerive(zondax.generateMnemonic(), `m/44'/461'/0'/0/${index}`, '', 'en')
    return { key_info: { Type: 'secp256k1', PrivateKey: key.private_base64 }, address: key.address }
  },
  // Glif's parse of an address string: its byte form, or an error.
  parse_address ({ address }) {
    const parsed = glif.newFromString(address)
    return { bytes: Buffer.from(parsed.bytes).toString('hex'), string: parsed.toString() }
  },
  // Glif's string of an address given by protocol and payload.
  encode_address ({ bytes, testnet }) {
    const raw = Buffer.from(bytes, 'hex')
    const coinType = testnet ? glif.CoinType.TEST : glif.CoinType.MAIN
    return { string: glif.encode(coinType, new glif.Address(raw, coinType)) }
  },
  // CBOR bytes and CID of a message in Lotus JSON (without Version).
  message ({ message }) {
    return { cbor: zondax.transactionSerialize(message), cid: zondax.getCid(message) }
  },
  sign ({ message, private_key: privateKey }) {
    return zondax.transactionSign(message, privateKey).Signature
  },
  // Whether a signature (base64 of its data) verifies over a message given as hex CBOR.
  verify ({ signature, cbor }) {
    return { valid: zondax.verifySignature(signature, cbor) }
  },
}

const results = JSON.parse(readFileSync(0, 'utf8')).map((request) => {
  try {
    return ops[request.op](request)
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) }
  }
})
process.stdout.write(JSON.stringify(results))
