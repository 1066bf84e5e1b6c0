# Raspberry Pi 5 (8 GB LPDDR4X) with an NVMe SSD on an M.2 HAT, PCIe link forced to Gen 3 x1
# (dtparam=pciex1_gen=3; works with most drives, not officially certified).
#
# Published: "an NVMe SSD on the M.2 HAT+ in Gen 3 mode reaches roughly 837MB/s read" (Evetech,
# summarising published tests); bottom-mount HATs "achieving near-theoretical maximum speeds of up
# to 1 GB/s in Gen 3" (HatDrive! Bottom). PCIe 3.0 x1 is 8 GT/s with 128b/130b coding: ~985 MB/s raw.
#
# ESTIMATES: the 850 MB/s ceiling (rounded from the published 837 MB/s), the per-request
# latency (~80 us), the random IOPS at depth (bounded by the Cortex-A76 host), and the
# intermediate sequential points, from B(c) = c / (80 us + c / 850 MB/s).

name           = pi5-nvme-gen3
description    = Raspberry Pi 5 8GB with an NVMe SSD on an M.2 HAT, PCIe forced to 3.0 x1
source         = ~837 MB/s read in Gen 3 mode: https://evezone.evetech.co.za/quick-bytes/microsd-vs-nvme-boot-on-the-raspberry-pi-5-what-s-the-difference ; up to 1 GB/s Gen 3: https://grokipedia.com/page/HatDrive_Bottom ; latency, IOPS and intermediate points are estimates
storage        = NVMe SSD on PCIe 3.0 x1 (M.2 HAT, Gen 3 forced)
dram           = 8GiB
memory.budget  = 75%
memory.unified = true
storage.block  = 4KiB
rand.chunk     = 4KiB

# Sequential reads, one request at a time (queue depth 1), by chunk size.
seq.4KiB       = 48.3 MB/s
seq.16KiB      = 165 MB/s
seq.64KiB      = 417 MB/s
seq.256KiB     = 675 MB/s
seq.1MiB       = 798 MB/s
seq.4MiB       = 836 MB/s
seq.16MiB      = 847 MB/s

# Random 4 KiB reads, N requests in flight: IOPS and mean latency (estimates; latency = N / IOPS).
rand.qd1       = 11800 iops, 84.8 us
rand.qd4       = 35000 iops, 114 us
rand.qd16      = 90000 iops, 178 us
rand.qd32      = 110000 iops, 291 us
