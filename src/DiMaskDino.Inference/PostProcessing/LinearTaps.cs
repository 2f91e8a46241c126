// PyTorch's bilinear source indices and weights for align_corners=False (aten/src/ATen/native/UpSample.h
// area_pixel_compute_source_index, cpu/UpSampleKernel.cpp compute_indices_weights_linear; BSD-3-Clause), in float32
// as the CPU kernel computes them for float tensors.

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// For the first <c>count</c> outputs of an <c>inSize</c> → <c>outSize</c> linear resize: output i reads inputs
/// <see cref="I0"/>[i] and <see cref="I1"/>[i] with weights <see cref="W0"/>[i] and <see cref="W1"/>[i], where the
/// source coordinate is (i + ½)·in/out − ½, clamped at 0 (the scale is the float quotient in/out).
/// </summary>
internal sealed class LinearTaps
{
    public LinearTaps(int inSize, int outSize, int count)
    {
        I0 = new int[count];
        I1 = new int[count];
        W0 = new float[count];
        W1 = new float[count];
        float scale = (float)inSize / outSize;
        for (int i = 0; i < count; i++)
        {
            float source = scale * (i + 0.5f) - 0.5f;
            if (source < 0)
            {
                source = 0;
            }

            int i0 = (int)source;
            float lambda1 = Math.Clamp(source - i0, 0f, 1f);
            I0[i] = i0;
            I1[i] = i0 + (i0 < inSize - 1 ? 1 : 0);
            W1[i] = lambda1;
            W0[i] = 1f - lambda1;
        }
    }

    public int[] I0 { get; }

    public int[] I1 { get; }

    public float[] W0 { get; }

    public float[] W1 { get; }
}
