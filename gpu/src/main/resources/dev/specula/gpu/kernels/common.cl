// Shared helpers, prepended to every Specula program. OpenCL C 1.2, no extensions.
// WG: work-group size (power of two), set with -DWG=... by the host.
#ifndef WG
#define WG 64
#endif

// IEEE 754 binary16 -> float with integer ops only (no cl_khr_fp16 needed).
inline float half_to_float(uint h) {
    uint sign = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1fu;
    uint m = h & 0x3ffu;
    if (e == 0u) {
        float f = (float) m * 5.9604644775390625e-8f; // subnormal: m * 2^-24
        return sign ? -f : f;
    }
    if (e == 31u) {
        return as_float(sign | 0x7f800000u | (m << 13));
    }
    return as_float(sign | ((e + 112u) << 23) | (m << 13));
}

inline float4 half4_to_float4(ushort4 h) {
    return (float4)(half_to_float(h.s0), half_to_float(h.s1), half_to_float(h.s2), half_to_float(h.s3));
}

inline float bf16_to_float(uint h) {
    return as_float(h << 16);
}

// Little-endian fp16 at an arbitrary even or odd byte address.
inline float load_half_bytes(__global const uchar* p) {
    return half_to_float((uint) p[0] | ((uint) p[1] << 8));
}

inline float dot8(float8 a, float8 b) {
    return dot(a.lo, b.lo) + dot(a.hi, b.hi);
}

// Tree reductions over a __local array of WG floats; every work-item gets the result.
inline float wg_reduce_sum(__local float* red, float v) {
    int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline float wg_reduce_max(__local float* red, float v) {
    int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] = fmax(red[lid], red[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
