# Samsung Galaxy S23-class phone: Snapdragon 8 Gen 2, 8 GB LPDDR5X shared with the Adreno GPU,
# UFS 4.0 flash (256 GB and larger models; the 128 GB S23 uses UFS 3.1, about half the speed).
#
# Published: UFS 4.0 sequential read up to 4,200 MB/s (Samsung's UFS 4.0 announcement, May 2022,
# reported by Neowin and others); S23 128 GB = UFS 3.1, 256 GB+ = UFS 4.0 (Ice Universe leak,
# reported by Moneycontrol / Android Police, Jan 2023). Samsung published no random-read IOPS
# for UFS 4.0.
#
# ESTIMATES (no published measurement found): the per-request latency to first byte (~80 us,
# from UFS 3.0 AndroBench results of ~37k 4K random IOPS at high queue depth and typical
# queue-depth-1 phone flash latencies), the random-read IOPS at each queue depth (UFS has a
# 32-entry command queue), and every intermediate sequential point: those follow
# B(c) = c / (80 us + c / 4200 MB/s). The memory budget is an estimate of what Android leaves
# to one foreground app on an 8 GB phone.

name           = galaxy-s23
description    = Samsung Galaxy S23-class phone, 8 GB LPDDR5X, UFS 4.0 flash
source         = Samsung UFS 4.0 announcement (4,200 MB/s seq. read), https://neowin.net/news/samsung-debuts-all-new-ufs-40-to-enable-speeds-of-up-to-4200mbs-or-double-that-of-ufs-31 ; S23 storage: https://www.moneycontrol.com/news/technology/samsung-could-use-slower-storage-on-base-galaxy-s23-variants-according-to-leak-9962721.html ; latency, IOPS and intermediate points are estimates
storage        = UFS 4.0 (2 lanes, 23.2 Gb/s per lane)
dram           = 8GiB
memory.budget  = 40%
memory.unified = true
storage.block  = 4KiB
rand.chunk     = 4KiB

# Sequential reads, one request at a time (queue depth 1), by chunk size.
# 16MiB: ~98% of the 4,200 MB/s spec; the rest from the latency + bandwidth model (estimate).
seq.4KiB       = 50.6 MB/s
seq.16KiB      = 195 MB/s
seq.64KiB      = 685 MB/s
seq.256KiB     = 1840 MB/s
seq.1MiB       = 3180 MB/s
seq.4MiB       = 3890 MB/s
seq.16MiB      = 4120 MB/s

# Random 4 KiB reads, N requests in flight: IOPS and mean latency (estimates; latency = N / IOPS).
rand.qd1       = 12300 iops, 81 us
rand.qd4       = 40000 iops, 100 us
rand.qd8       = 70000 iops, 114 us
rand.qd32      = 120000 iops, 267 us
