// Causal attention over a float KV cache, flash-decoding style.
// q, out: batch x heads x headDim; token b sits at position startPos + b and attends 0..startPos + b.
// kc, vc: one layer's cache, capacity x kvDim with kvDim = kvHeads * headDim; GQA/MQA: query head h
// reads kv head h / (heads / kvHeads).
// Pass 1 (attn_partial): work-group (chunk c, head h, token b) covers positions [c*chunk, (c+1)*chunk)
// with an online softmax over tiles of WG positions and writes (max m, sum l, unnormalised o).
// Pass 2 (attn_combine): merges the chunks of one (token, head) with the usual rescaling.
#ifndef MAX_HD
#define MAX_HD 256
#endif
#define DPT ((MAX_HD + WG - 1) / WG)

__kernel void attn_partial(__global const float* q, __global const float* kc, __global const float* vc,
                           int heads, int kvHeads, int headDim, int startPos, int chunk, int nchunks,
                           float scale, __global float* part) {
    // part holds, for G = batch * heads * nchunks groups: maxima [G], sums [G], outputs [G x headDim].
    size_t G = get_num_groups(0) * get_num_groups(1) * get_num_groups(2);
    __global float* pm = part;
    __global float* pl = part + G;
    __global float* po = part + 2 * G;
    __local float qs[MAX_HD];
    __local float probs[WG];
    __local float red[WG];
    int c = get_group_id(0);
    int h = get_group_id(1);
    int b = get_group_id(2);
    int lid = get_local_id(0);
    int len = startPos + b + 1;
    int from = c * chunk;
    int to = min(from + chunk, len);
    int kvh = h / (heads / kvHeads);
    int kvDim = kvHeads * headDim;
    __global const float* qh = q + ((size_t) b * heads + h) * headDim;
    for (int d = lid; d < headDim; d += WG) qs[d] = qh[d] * scale;
    barrier(CLK_LOCAL_MEM_FENCE);

    float m = -INFINITY;
    float l = 0.0f;
    float o[DPT];
    for (int j = 0; j < DPT; j++) o[j] = 0.0f;

    for (int t0 = from; t0 < to; t0 += WG) {
        int p = t0 + lid;
        float sc = -INFINITY;
        if (p < to) {
            __global const float* k = kc + (size_t) p * kvDim + kvh * headDim;
            float acc = 0.0f;
            int d4 = headDim >> 2;
            for (int d = 0; d < d4; d++) acc += dot(vload4(d, qs), vload4(d, k));
            for (int d = d4 << 2; d < headDim; d++) acc += qs[d] * k[d];
            sc = acc;
        }
        float tmax = wg_reduce_max(red, sc);
        float mnew = fmax(m, tmax);
        float e = p < to ? exp(sc - mnew) : 0.0f;
        probs[lid] = e;
        float tsum = wg_reduce_sum(red, e); // its barriers also publish probs
        float alpha = exp(m - mnew);        // m == -inf on the first tile: alpha = 0
        l = l * alpha + tsum;
        int n = min(WG, to - t0);
        for (int j = 0; j < DPT; j++) {
            int d = lid + j * WG;
            if (d < headDim) {
                __global const float* v = vc + (size_t) t0 * kvDim + kvh * headDim + d;
                float acc = 0.0f;
                for (int pp = 0; pp < n; pp++) acc += probs[pp] * v[(size_t) pp * kvDim];
                o[j] = o[j] * alpha + acc;
            }
        }
        m = mnew;
        barrier(CLK_LOCAL_MEM_FENCE); // probs is rewritten by the next tile
    }

    size_t idx = ((size_t) b * heads + h) * nchunks + c;
    if (lid == 0) {
        pm[idx] = m;
        pl[idx] = l;
    }
    for (int j = 0; j < DPT; j++) {
        int d = lid + j * WG;
        if (d < headDim) po[idx * headDim + d] = o[j];
    }
}

// One work-group per (token, head): group id g = b * heads + h.
__kernel void attn_combine(__global const float* part, __global float* out, int headDim, int nchunks) {
    size_t G = get_num_groups(0) * (size_t) nchunks;
    __global const float* pm = part;
    __global const float* pl = part + G;
    __global const float* po = part + 2 * G;
    int g = get_group_id(0);
    int lid = get_local_id(0);
    size_t base = (size_t) g * nchunks;
    float mx = -INFINITY;
    for (int c = 0; c < nchunks; c++) mx = fmax(mx, pm[base + c]);
    float total = 0.0f;
    for (int c = 0; c < nchunks; c++) {
        float mc = pm[base + c];
        if (mc != -INFINITY) total += pl[base + c] * exp(mc - mx);
    }
    float inv = 1.0f / total;
    for (int d = lid; d < headDim; d += WG) {
        float acc = 0.0f;
        for (int c = 0; c < nchunks; c++) {
            float mc = pm[base + c];
            if (mc != -INFINITY) acc += po[(base + c) * headDim + d] * exp(mc - mx);
        }
        out[(size_t) g * headDim + d] = acc * inv;
    }
}
