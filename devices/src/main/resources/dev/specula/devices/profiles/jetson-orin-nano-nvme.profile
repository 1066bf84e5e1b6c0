# NVIDIA Jetson Orin Nano 8GB (developer kit) with an NVMe SSD in the M.2 Key M slot.
#
# Published: the module has 8 GB 128-bit LPDDR5 shared by the 6-core Cortex-A78AE CPU and the
# 1024-core Ampere GPU, and "3 x1 (or 1 x2 + 1 x1) + 1 x4 (GEN3) PCIe" with external NVMe
# storage (Jetson Orin Nano datasheet). That the developer kit routes the x4 Gen 3 port to its
# M.2 Key M slot (up to ~3.9 GB/s raw) is from NVIDIA's developer kit documentation, not
# re-checked against a source cited here. About 5.2 GB is available to a model after OS overhead (a 66-run
# LLM benchmark on the Orin Nano 8GB, ericxliu.me), hence the 5 GiB budget.
#
# ESTIMATES: the 3,000 MB/s ceiling (typical Gen 3 x4 SSD read speed; depends on the drive),
# the per-request latency (~80 us), the random IOPS at depth, and the intermediate sequential
# points, from B(c) = c / (80 us + c / 3000 MB/s).

name           = jetson-orin-nano-nvme
description    = NVIDIA Jetson Orin Nano 8GB developer kit with a PCIe 3.0 x4 NVMe SSD
source         = Jetson Orin Nano datasheet (8GB 128-bit LPDDR5, 1x4 Gen3 PCIe, NVMe): https://www.scribd.com/document/673174036/Orin-nano-datasheet ; ~5.2 GB usable: https://git.ericxliu.me/eric/ericxliu-me/commit/0e4b4194b619fbfcf8e1c818db65535bd48e7a6d ; SSD ceiling, latency, IOPS and intermediate points are estimates
storage        = NVMe SSD on PCIe 3.0 x4 (M.2 Key M)
dram           = 8GiB
memory.budget  = 5GiB
memory.unified = true
storage.block  = 4KiB
rand.chunk     = 4KiB

# Sequential reads, one request at a time (queue depth 1), by chunk size.
seq.4KiB       = 50.3 MB/s
seq.16KiB      = 192 MB/s
seq.64KiB      = 643 MB/s
seq.256KiB     = 1570 MB/s
seq.1MiB       = 2440 MB/s
seq.4MiB       = 2840 MB/s
seq.16MiB      = 2960 MB/s

# Random 4 KiB reads, N requests in flight: IOPS and mean latency (estimates; latency = N / IOPS).
rand.qd1       = 12300 iops, 81.4 us
rand.qd4       = 40000 iops, 100 us
rand.qd16      = 130000 iops, 123 us
rand.qd32      = 200000 iops, 160 us
