/**
 * Flash offload after "LLM in a Flash" (Alizadeh et al. 2023): attention and embeddings stay
 * resident, feed-forward neurons stay on flash as row-column bundles ({@link dev.specula.offload.FlashLayout})
 * and are streamed per token. A {@link dev.specula.offload.Predictor} picks the neurons that will fire,
 * a {@link dev.specula.offload.NeuronWindow} keeps those used by the last tokens in memory, and
 * {@link dev.specula.offload.BundleReader} reads only the new ones, coalesced, with O_DIRECT.
 */
package dev.specula.offload;
