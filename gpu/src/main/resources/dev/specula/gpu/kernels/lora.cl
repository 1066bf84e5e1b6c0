// Batched LoRA, Punica BGMV style: row k of the batch uses adapter idx[k] (or none when idx[k] < 0).
// A: nAdapters x rank x in, B: nAdapters x out x rank, scales: nAdapters.
// shrink: T[k][j] = A[idx[k]][j] . X[k]            (one work-group per (j, k))
// expand: Y[k][o] += scales[idx[k]] * B[idx[k]][o] . T[k]   (one work-item per (o, k))

__kernel void lora_shrink(__global const float* X, __global const float* A, __global const int* idx,
                          __global float* T, int in, int rank) {
    __local float red[WG];
    int j = get_group_id(0);
    int k = get_group_id(1);
    int lid = get_local_id(0);
    int a = idx[k];
    if (a < 0) { // uniform over the work-group: no barrier is skipped by part of it
        if (lid == 0) T[(size_t) k * rank + j] = 0.0f;
        return;
    }
    __global const float* arow = A + ((size_t) a * rank + j) * in;
    __global const float* x = X + (size_t) k * in;
    float acc = 0.0f;
    for (int i = lid; i < in; i += WG) acc += arow[i] * x[i];
    acc = wg_reduce_sum(red, acc);
    if (lid == 0) T[(size_t) k * rank + j] = acc;
}

__kernel void lora_expand(__global const float* T, __global const float* B, __global const int* idx,
                          __global const float* scales, __global float* Y, int out, int rank) {
    int o = get_global_id(0);
    int k = get_global_id(1);
    if (o >= out) return;
    int a = idx[k];
    if (a < 0) return;
    __global const float* brow = B + ((size_t) a * out + o) * rank;
    __global const float* t = T + (size_t) k * rank;
    float acc = 0.0f;
    for (int j = 0; j < rank; j++) acc += brow[j] * t[j];
    Y[(size_t) k * out + o] += scales[a] * acc;
}
