# Raspberry Pi 5 (8 GB LPDDR4X) booting and reading from a good A2 microSD card in SDR104 mode.
#
# Published: the SDR104 bus tops out at 104 MB/s; premium microSD cards reach about 85-90 MB/s
# sequential read on the Pi 5 (Evetech "microSD vs NVMe boot on the Raspberry Pi 5"; Raspberry
# Italy forum: "microSD su Pi 5 = circa 90MB/sec"). The official Raspberry Pi A2 card is
# specified at 5,000 random 4 KiB read IOPS on the Pi 5 (SDR104, with command queueing); the A2
# class guarantees at least 4,000.
#
# ESTIMATES: queue-depth-1 latency (~330 us, i.e. ~3,000 IOPS without command queueing), the
# intermediate sequential points (from B(c) = c / (285 us + c / 90 MB/s)), and that IOPS do not
# grow beyond queue depth 4. Cards differ by a factor of 2-3 in random reads: calibrate yours.
# The memory budget assumes Raspberry Pi OS Lite (a few hundred MB used by the system).

name           = pi5-microsd
description    = Raspberry Pi 5 8GB with an A2 microSD card (SDR104)
source         = Raspberry Pi microSD card spec (5,000 IOPS 4K random read on Pi 5, SDR104), reproduced at https://vmme.org/?p=5670 ; ~85-90 MB/s seq. read: https://evezone.evetech.co.za/quick-bytes/microsd-vs-nvme-boot-on-the-raspberry-pi-5-what-s-the-difference ; SD A2 class: https://admin-magazine.com/Archive/2023/76/Finding-the-fastest-SD-cards-for-the-Raspberry-Pi ; latency and intermediate points are estimates
storage        = microSD UHS-I, SDR104 bus (104 MB/s), A2 card
dram           = 8GiB
memory.budget  = 75%
memory.unified = true
storage.block  = 4KiB
rand.chunk     = 4KiB

# Sequential reads, one request at a time (queue depth 1), by chunk size.
seq.4KiB       = 12.4 MB/s
seq.16KiB      = 35.1 MB/s
seq.64KiB      = 64.7 MB/s
seq.256KiB     = 82 MB/s
seq.1MiB       = 87.9 MB/s
seq.4MiB       = 89.5 MB/s
seq.16MiB      = 89.9 MB/s

# Random 4 KiB reads, N requests in flight: IOPS and mean latency (qd4+: published 5,000 IOPS).
rand.qd1       = 3030 iops, 331 us
rand.qd4       = 5000 iops, 800 us
rand.qd32      = 5000 iops, 6400 us
