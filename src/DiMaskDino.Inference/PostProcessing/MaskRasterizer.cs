// model.md §10 step 1, 3 and 4 for one query: mask logits [h4, w4] → bilinear to the canvas → crop to the resized
// image → bilinear to the original size → threshold, written straight into column-major RLE runs together with
// the mask score, without a full-size bitmap.

using DiMaskDino.Coco.Masks;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// Rasterizes one query's mask logits at the original image size, one output column at a time. Each output column
/// needs two columns of the cropped canvas; those are computed on demand from the low-resolution logits and the last
/// two are cached, so memory is O(h + H₀ + h₄) floats per instance rather than O(H₀·W₀). Output columns whose
/// low-resolution sources never exceed the threshold are emitted as one background run without interpolating, so the
/// cost of a small instance is mostly proportional to its width.
/// </summary>
/// <remarks>
/// Both resizes follow PyTorch's generic CPU kernel for <c>interpolate(mode="bilinear", align_corners=False)</c> in
/// float32, including its order of operations: interpolate along the width first, then combine the two rows
/// ((v₀₀·w₀ + v₀₁·w₁)·h₀ + (v₁₀·w₀ + v₁₁·w₁)·h₁). The kept canvas columns/rows are only those inside the crop.
/// Not thread-safe: one instance per thread (it owns its scratch buffers).
/// </remarks>
internal sealed class MaskRasterizer
{
    private readonly int _maskHeight, _maskWidth, _resizedHeight, _outHeight, _outWidth;
    private readonly LinearTaps _canvasRows, _canvasCols, _outRows, _outCols;
    private readonly float[] _lowResRow;          // [h4] one low-res column, interpolated along x
    private readonly float[][] _canvasColumn;     // 2 × [h] cached canvas columns
    private readonly int[] _canvasColumnIndex = new int[2];
    private readonly float[] _blend;              // [h] two canvas columns blended along x
    private readonly float[] _lowResColumnMax;    // [w4] max logit of each low-res column
    private readonly List<uint> _runs = [];

    public MaskRasterizer(int maskHeight, int maskWidth, LetterboxGeometry geometry)
    {
        _maskHeight = maskHeight;
        _maskWidth = maskWidth;
        _resizedHeight = geometry.ResizedHeight;
        _outHeight = geometry.OriginalHeight;
        _outWidth = geometry.OriginalWidth;
        _canvasRows = new LinearTaps(maskHeight, geometry.CanvasHeight, geometry.ResizedHeight);
        _canvasCols = new LinearTaps(maskWidth, geometry.CanvasWidth, geometry.ResizedWidth);
        _outRows = new LinearTaps(geometry.ResizedHeight, geometry.OriginalHeight, geometry.OriginalHeight);
        _outCols = new LinearTaps(geometry.ResizedWidth, geometry.OriginalWidth, geometry.OriginalWidth);
        _lowResRow = new float[maskHeight];
        _canvasColumn = [new float[geometry.ResizedHeight], new float[geometry.ResizedHeight]];
        _blend = new float[geometry.ResizedHeight];
        _lowResColumnMax = new float[maskWidth];
    }

    /// <summary>The binary mask (logit &gt; <paramref name="threshold"/>) as RLE and its mask score Σσ·bin/(Σbin + 1e-6).</summary>
    /// <param name="logits">[h4, w4] row-major mask logits of one query</param>
    public (RleMask Mask, double MaskScore) Rasterize(ReadOnlySpan<float> logits, float threshold)
    {
        _canvasColumnIndex[0] = _canvasColumnIndex[1] = -1;
        _runs.Clear();
        _lowResColumnMax.AsSpan().Fill(float.NegativeInfinity);
        for (int ly = 0; ly < _maskHeight; ly++)
        {
            ReadOnlySpan<float> row = logits.Slice(ly * _maskWidth, _maskWidth);
            for (int lx = 0; lx < _maskWidth; lx++)
            {
                _lowResColumnMax[lx] = Math.Max(_lowResColumnMax[lx], row[lx]);
            }
        }

        bool foreground = false;
        uint run = 0;
        double sigmoidSum = 0;
        long area = 0;
        for (int x = 0; x < _outWidth; x++)
        {
            int c0 = _outCols.I0[x], c1 = _outCols.I1[x];
            if (IsBackground(c0, threshold) && IsBackground(c1, threshold))
            {
                if (foreground)
                {
                    _runs.Add(run);
                    run = 0;
                    foreground = false;
                }

                run += (uint)_outHeight;
                continue;
            }

            float[] left = CanvasColumn(logits, c0, keep: c1);
            float[] right = CanvasColumn(logits, c1, keep: c0);
            float w0 = _outCols.W0[x], w1 = _outCols.W1[x];
            for (int cy = 0; cy < _resizedHeight; cy++)
            {
                _blend[cy] = left[cy] * w0 + right[cy] * w1;
            }

            for (int y = 0; y < _outHeight; y++)
            {
                float v = _blend[_outRows.I0[y]] * _outRows.W0[y] + _blend[_outRows.I1[y]] * _outRows.W1[y];
                bool on = v > threshold;
                if (on)
                {
                    sigmoidSum += 1.0 / (1.0 + Math.Exp(-v));
                    area++;
                }

                if (on != foreground)
                {
                    _runs.Add(run);
                    run = 0;
                    foreground = on;
                }

                run++;
            }
        }

        _runs.Add(run);
        var mask = new RleMask(_outHeight, _outWidth, [.. _runs]);
        return (mask, sigmoidSum / (area + 1e-6));
    }

    // Every value of canvas column `cx` is a convex combination of two low-res columns, and every output value one of
    // canvas values, so when both low-res columns stay at or below the threshold no output pixel in the columns built
    // from it can exceed it. With threshold 0 that holds exactly in float (sums of products of non-negative weights
    // and non-positive values stay non-positive); otherwise a small margin covers rounding.
    private bool IsBackground(int cx, float threshold)
    {
        float max = Math.Max(_lowResColumnMax[_canvasCols.I0[cx]], _lowResColumnMax[_canvasCols.I1[cx]]);
        return threshold == 0f ? max <= 0f : max < threshold - 1e-4f * (1f + Math.Abs(threshold));
    }

    // Canvas column `cx` (rows 0..h−1) of the upsampled logits, from a two-slot cache; never evicts column `keep`.
    private float[] CanvasColumn(ReadOnlySpan<float> logits, int cx, int keep)
    {
        for (int s = 0; s < 2; s++)
        {
            if (_canvasColumnIndex[s] == cx)
            {
                return _canvasColumn[s];
            }
        }

        int slot = _canvasColumnIndex[0] == keep ? 1 : 0;
        int l0 = _canvasCols.I0[cx], l1 = _canvasCols.I1[cx];
        float w0 = _canvasCols.W0[cx], w1 = _canvasCols.W1[cx];
        for (int ly = 0; ly < _maskHeight; ly++)
        {
            ReadOnlySpan<float> row = logits.Slice(ly * _maskWidth, _maskWidth);
            _lowResRow[ly] = row[l0] * w0 + row[l1] * w1;
        }

        float[] column = _canvasColumn[slot];
        for (int cy = 0; cy < _resizedHeight; cy++)
        {
            column[cy] = _lowResRow[_canvasRows.I0[cy]] * _canvasRows.W0[cy] + _lowResRow[_canvasRows.I1[cy]] * _canvasRows.W1[cy];
        }

        _canvasColumnIndex[slot] = cx;
        return column;
    }
}
