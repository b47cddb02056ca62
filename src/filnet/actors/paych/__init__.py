"""The payment channel actor: off-chain vouchers from one party to another, settled on chain."""
