# Raspberry Pi 5 (8 GB LPDDR4X) with an NVMe SSD on the official M.2 HAT+, PCIe 2.0 x1 (the
# default, officially supported link speed).
#
# Published: the M.2 HAT+ transfers "at up to 500 MB/s via the Pi's single PCIe 2.0 channel"
# (Raspberry Pi's M.2 HAT+ announcement, as reported by Electronics Weekly); the Pi 5's lane is
# "rated for Gen 2 by default (about 500MB/s)" (Evetech). PCIe 2.0 x1 is 5 GT/s with 8b/10b
# coding: 500 MB/s raw, ~450 MB/s after protocol overhead.
#
# ESTIMATES: the 450 MB/s ceiling, the per-request latency (~80 us, typical NVMe queue-depth-1
# 4K latency on an ARM host), the random IOPS at depth (bounded by the Cortex-A76 host and the
# x1 link), and the intermediate sequential points, from B(c) = c / (80 us + c / 450 MB/s).
# For a Pi 5 with the link forced to Gen 3 use pi5-nvme-gen3.

name           = pi5-nvme
description    = Raspberry Pi 5 8GB with an NVMe SSD on the M.2 HAT+ (PCIe 2.0 x1)
source         = M.2 HAT+ "up to 500Mbyte/s via the Pi's single PCIe 2.0 channel": http://electronics4sale.net/index-86.html ; Pi 5 PCIe Gen 2 default: https://evezone.evetech.co.za/quick-bytes/microsd-vs-nvme-boot-on-the-raspberry-pi-5-what-s-the-difference ; latency, IOPS and intermediate points are estimates
storage        = NVMe SSD on PCIe 2.0 x1 (M.2 HAT+)
dram           = 8GiB
memory.budget  = 75%
memory.unified = true
storage.block  = 4KiB
rand.chunk     = 4KiB

# Sequential reads, one request at a time (queue depth 1), by chunk size.
seq.4KiB       = 46 MB/s
seq.16KiB      = 141 MB/s
seq.64KiB      = 290 MB/s
seq.256KiB     = 396 MB/s
seq.1MiB       = 435 MB/s
seq.4MiB       = 446 MB/s
seq.16MiB      = 449 MB/s

# Random 4 KiB reads, N requests in flight: IOPS and mean latency (estimates; latency = N / IOPS).
rand.qd1       = 11200 iops, 89.1 us
rand.qd4       = 35000 iops, 114 us
rand.qd16      = 70000 iops, 229 us
rand.qd32      = 80000 iops, 400 us
