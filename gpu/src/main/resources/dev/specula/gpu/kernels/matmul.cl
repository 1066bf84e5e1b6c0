// Y[k][row] = sum_c W[row][c] * X[k][c] for k < K (K <= MAX_K), one work-group of WG items per row.
// Each weight row is read once for all K inputs (K-way shared-base matmul; K == 1 is the decode matvec).
// X is K x cols, Y is K x rows, both row-major float, starting at float offsets xOff and yOff.
#ifndef MAX_K
#define MAX_K 1
#endif

// With -DEXACT_K the batch is the compile-time MAX_K: the k < K guards fold away and loops unroll.
#ifdef EXACT_K
#define FIX_K K = MAX_K;
#else
#define FIX_K
#endif

// Opens a kernel body: this work-group's row, this work-item, X and Y at their offsets.
#define ROW_START int row = get_group_id(0); int lid = get_local_id(0); X += xOff; Y += yOff;

// acc[k] += TERM for every input k < K (TERM may use k).
#define FOR_EACH_K(TERM) for (int k = 0; k < MAX_K; k++) { if (k < K) acc[k] += TERM; }

#define ACC_INIT FIX_K float acc[MAX_K]; for (int k = 0; k < MAX_K; k++) acc[k] = 0.0f;

// Reduces acc[0..K) over the work-group and stores Y[k * rows + row].
#define REDUCE_STORE                                                          \
    __local float red[MAX_K * WG];                                            \
    for (int k = 0; k < MAX_K; k++) red[k * WG + lid] = acc[k];               \
    barrier(CLK_LOCAL_MEM_FENCE);                                             \
    for (int s = WG / 2; s > 0; s >>= 1) {                                    \
        if (lid < s) {                                                        \
            for (int k = 0; k < MAX_K; k++) {                                 \
                if (k < K) red[k * WG + lid] += red[k * WG + lid + s];        \
            }                                                                 \
        }                                                                     \
        barrier(CLK_LOCAL_MEM_FENCE);                                         \
    }                                                                         \
    if (lid == 0) {                                                           \
        for (int k = 0; k < MAX_K; k++) {                                     \
            if (k < K) Y[(size_t) k * rows + row] = red[k * WG];              \
        }                                                                     \
    }

__kernel void matmul_f32(__global const float* W, __global const float* X, __global float* Y,
                         int rows, int cols, int K, int xOff, int yOff) {
    ROW_START
    __global const float* w = W + (size_t) row * cols;
    ACC_INIT
    int n4 = cols >> 2;
    for (int i = lid; i < n4; i += WG) {
        float4 wv = vload4(i, w);
        FOR_EACH_K(dot(wv, vload4(i, X + (size_t) k * cols)))
    }
    for (int i = (n4 << 2) + lid; i < cols; i += WG) {
        float wv = w[i];
        FOR_EACH_K(wv * X[(size_t) k * cols + i])
    }
    REDUCE_STORE
}

__kernel void matmul_f16(__global const ushort* W, __global const float* X, __global float* Y,
                         int rows, int cols, int K, int xOff, int yOff) {
    ROW_START
    __global const ushort* w = W + (size_t) row * cols;
    ACC_INIT
    int n4 = cols >> 2;
    for (int i = lid; i < n4; i += WG) {
        float4 wv = half4_to_float4(vload4(i, w));
        FOR_EACH_K(dot(wv, vload4(i, X + (size_t) k * cols)))
    }
    for (int i = (n4 << 2) + lid; i < cols; i += WG) {
        float wv = half_to_float(w[i]);
        FOR_EACH_K(wv * X[(size_t) k * cols + i])
    }
    REDUCE_STORE
}

__kernel void matmul_bf16(__global const ushort* W, __global const float* X, __global float* Y,
                          int rows, int cols, int K, int xOff, int yOff) {
    ROW_START
    __global const ushort* w = W + (size_t) row * cols;
    ACC_INIT
    for (int i = lid; i < cols; i += WG) {
        float wv = bf16_to_float(w[i]);
        FOR_EACH_K(wv * X[(size_t) k * cols + i])
    }
    REDUCE_STORE
}

// Q8_0: blocks of 34 bytes (fp16 d, 32 x int8 q), value = d * q. cols % 32 == 0.
// A work-item handles 8 quants (a quarter block) at a time.
__kernel void matmul_q8_0(__global const uchar* W, __global const float* X, __global float* Y,
                          int rows, int cols, int K, int xOff, int yOff) {
    ROW_START
    int nblocks = cols >> 5;
    __global const uchar* w = W + (size_t) row * nblocks * 34;
    ACC_INIT
    int units = cols >> 3;
    for (int u = lid; u < units; u += WG) {
        __global const uchar* blk = w + (size_t) (u >> 2) * 34;
        float d = load_half_bytes(blk);
        float8 q = convert_float8(vload8(0, (__global const char*) (blk + 2 + ((u & 3) << 3))));
        FOR_EACH_K(d * dot8(q, vload8(u, X + (size_t) k * cols)))
    }
    REDUCE_STORE
}

// Q4_0: blocks of 18 bytes (fp16 d, 16 bytes); element j < 16 = low nibble of byte j,
// element j + 16 = high nibble of byte j; value = d * (nibble - 8). cols % 32 == 0.
// A work-item handles 8 bytes (16 values) at a time: half a block.
__kernel void matmul_q4_0(__global const uchar* W, __global const float* X, __global float* Y,
                          int rows, int cols, int K, int xOff, int yOff) {
    ROW_START
    int nblocks = cols >> 5;
    __global const uchar* w = W + (size_t) row * nblocks * 18;
    ACC_INIT
    int units = cols >> 4;
    for (int u = lid; u < units; u += WG) {
        int b = u >> 1;
        int p = u & 1;
        __global const uchar* blk = w + (size_t) b * 18;
        float d = load_half_bytes(blk);
        uchar8 qb = vload8(0, blk + 2 + (p << 3));
        float8 lo = convert_float8(convert_int8(qb & (uchar8) 0x0F) - 8);
        float8 hi = convert_float8(convert_int8(qb >> (uchar8) 4) - 8);
        int x0 = (b << 5) + (p << 3);
        FOR_EACH_K(d * (dot8(lo, vload8(0, X + (size_t) k * cols + x0))
                        + dot8(hi, vload8(0, X + (size_t) k * cols + x0 + 16))))
    }
    REDUCE_STORE
}
