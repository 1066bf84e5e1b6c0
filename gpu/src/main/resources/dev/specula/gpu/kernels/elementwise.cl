// RMSNorm, SwiGLU, RoPE, residual add.

// out[b][i] = w[i] * x[b][i] / sqrt(mean(x[b]^2) + eps); one work-group per row b.
__kernel void rmsnorm(__global const float* x, __global const float* w, __global float* out, int n, float eps) {
    __local float red[WG];
    int row = get_group_id(0);
    int lid = get_local_id(0);
    __global const float* xr = x + (size_t) row * n;
    __global float* o = out + (size_t) row * n;
    float ss = 0.0f;
    for (int i = lid; i < n; i += WG) {
        float v = xr[i];
        ss += v * v;
    }
    ss = wg_reduce_sum(red, ss);
    float scale = 1.0f / sqrt(ss / (float) n + eps);
    for (int i = lid; i < n; i += WG) {
        o[i] = w[i] * (scale * xr[i]);
    }
}

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)). out may alias gate or up.
__kernel void swiglu(__global const float* gate, __global const float* up, __global float* out, int n) {
    int i = get_global_id(0);
    if (i < n) {
        float g = gate[i];
        out[i] = g / (1.0f + exp(-g)) * up[i];
    }
}

// y[i] += x[i]
__kernel void add_inplace(__global float* y, __global const float* x, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] += x[i];
}

// Rotary embedding in place on x (batch x heads x headDim); token b is at position startPos + b.
// freqs[i] (i < headDim / 2) are the inverse frequencies (theta^(-2i/headDim), possibly scaled).
// style 0: interleaved pairs (2i, 2i+1); style 1: halves (i, i + headDim/2).
__kernel void rope(__global float* x, __global const float* freqs, int batch, int heads, int headDim,
                   int startPos, int style) {
    int half_dim = headDim >> 1;
    int gid = get_global_id(0);
    if (gid >= batch * heads * half_dim) return;
    int i = gid % half_dim;
    int bh = gid / half_dim;
    int b = bh / heads;
    float angle = (float) (startPos + b) * freqs[i];
    float c;
    float s = sincos(angle, &c);
    __global float* head = x + (size_t) bh * headDim;
    int i0 = style == 0 ? 2 * i : i;
    int i1 = style == 0 ? 2 * i + 1 : i + half_dim;
    float a0 = head[i0];
    float a1 = head[i1];
    head[i0] = a0 * c - a1 * s;
    head[i1] = a0 * s + a1 * c;
}
