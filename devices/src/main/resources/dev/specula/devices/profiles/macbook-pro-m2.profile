# Apple MacBook Pro with M2 (Pro/Max) and 16 GB unified memory, internal 2 TB SSD.
#
# Published: "benchmarks on an Apple MacBook Pro M2 with 2TB flash demonstrate speeds exceeding
# 6GiB/s for a 1GiB linear read of an uncached file. However, this high bandwidth is not
# replicated for smaller, random reads" because each read pays a latency to first byte
# (Alizadeh et al., "LLM in a Flash: Efficient Large Language Model Inference with Limited
# Memory", arXiv:2312.11514, section 2.2 and figure 2b). Smaller SSDs (256/512 GB, fewer NAND
# packages) are markedly slower: calibrate them.
#
# ESTIMATES: the 6.8 GB/s ceiling (just above the paper's "exceeding 6 GiB/s" = 6.44 GB/s), the per-request
# latency (~65 us, typical of queue-depth-1 4K reads on Apple SSDs), the random IOPS at depth,
# and the intermediate sequential points, from B(c) = c / (65 us + c / 6800 MB/s). The memory
# budget is an estimate of what macOS leaves to one process on a 16 GB machine.

name           = macbook-pro-m2
description    = Apple MacBook Pro M2, 16 GB unified memory, 2 TB internal SSD
source         = Alizadeh et al. 2023, LLM in a Flash, arXiv:2312.11514, sec. 2.2 (MacBook Pro M2 2TB: >6 GiB/s for a 1 GiB uncached linear read), https://arxiv.org/abs/2312.11514 ; latency, IOPS and intermediate points are estimates
storage        = Apple internal NVMe SSD, 2 TB
dram           = 16GiB
memory.budget  = 60%
memory.unified = true
storage.block  = 4KiB
rand.chunk     = 4KiB

# Sequential reads, one request at a time (queue depth 1), by chunk size.
seq.4KiB       = 62.4 MB/s
seq.16KiB      = 243 MB/s
seq.64KiB      = 878 MB/s
seq.256KiB     = 2530 MB/s
seq.1MiB       = 4780 MB/s
seq.4MiB       = 6150 MB/s
seq.16MiB      = 6630 MB/s

# Random 4 KiB reads, N requests in flight: IOPS and mean latency (estimates; latency = N / IOPS).
rand.qd1       = 15200 iops, 65.6 us
rand.qd4       = 50000 iops, 80 us
rand.qd16      = 150000 iops, 107 us
rand.qd64      = 300000 iops, 213 us
