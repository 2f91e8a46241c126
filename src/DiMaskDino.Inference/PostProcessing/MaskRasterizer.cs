// model.md §10 step 1, 3 and 4 for one query: mask logits [h4, w4] → bilinear to the canvas → crop to the resized
// image → bilinear to the original size → threshold, written straight into column-major RLE runs together with
// the mask score, without a full-size bitmap.

using System.Numerics;
using System.Runtime.Intrinsics;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// Rasterizes one query's mask logits at the original image size, one output column at a time. Each output column
/// needs two columns of the cropped canvas; those are computed on demand from the low-resolution logits and the last
/// two are cached, so memory is O(h + H₀ + h₄) floats per instance rather than O(H₀·W₀). Output columns whose
/// low-resolution sources never exceed the threshold are emitted as one background run without interpolating, and
/// inside a column only the rows that read canvas rows above the threshold are interpolated, so the cost of an
/// instance is mostly proportional to its bounding box. The mask score's sigmoids are vectorised.
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
    private readonly LinearTaps _canvasRowTaps, _canvasCols, _outRows, _outCols;
    private readonly float[] _lowResRow;          // [h4] one low-res column, interpolated along x
    private readonly float[][] _canvasColumn;     // 2 × [h] cached canvas columns
    private readonly int[] _canvasColumnIndex = new int[2];
    private readonly RowRange[] _canvasRows = new RowRange[2];   // rows of each cached column not below the threshold
    private readonly float[] _blend;              // [h] two canvas columns blended along x
    private readonly float[] _outColumn;          // [H₀] one output column's logits
    private readonly float[] _lowResColumnMax;    // [w4] max logit of each low-res column
    private readonly List<uint> _runs = [];
    private bool _foreground;                     // value of the run being counted
    private uint _run;

    public MaskRasterizer(int maskHeight, int maskWidth, LetterboxGeometry geometry)
    {
        _maskHeight = maskHeight;
        _maskWidth = maskWidth;
        _resizedHeight = geometry.ResizedHeight;
        _outHeight = geometry.OriginalHeight;
        _outWidth = geometry.OriginalWidth;
        _canvasRowTaps = new LinearTaps(maskHeight, geometry.CanvasHeight, geometry.ResizedHeight);
        _canvasCols = new LinearTaps(maskWidth, geometry.CanvasWidth, geometry.ResizedWidth);
        _outRows = new LinearTaps(geometry.ResizedHeight, geometry.OriginalHeight, geometry.OriginalHeight);
        _outCols = new LinearTaps(geometry.ResizedWidth, geometry.OriginalWidth, geometry.OriginalWidth);
        _lowResRow = new float[maskHeight];
        _canvasColumn = [new float[geometry.ResizedHeight], new float[geometry.ResizedHeight]];
        _blend = new float[geometry.ResizedHeight];
        _outColumn = new float[geometry.OriginalHeight];
        _lowResColumnMax = new float[maskWidth];
    }

    /// <summary>The binary mask (logit &gt; <paramref name="threshold"/>) as RLE and its mask score Σσ·bin/(Σbin + 1e-6).</summary>
    /// <param name="logits">[h4, w4] row-major mask logits of one query</param>
    public (RleMask Mask, double MaskScore) Rasterize(ReadOnlySpan<float> logits, float threshold)
    {
        _canvasColumnIndex[0] = _canvasColumnIndex[1] = -1;
        _runs.Clear();
        _foreground = false;
        _run = 0;
        _lowResColumnMax.AsSpan().Fill(float.NegativeInfinity);
        for (int ly = 0; ly < _maskHeight; ly++)
        {
            ReadOnlySpan<float> row = logits.Slice(ly * _maskWidth, _maskWidth);
            for (int lx = 0; lx < _maskWidth; lx++)
            {
                _lowResColumnMax[lx] = Math.Max(_lowResColumnMax[lx], row[lx]);
            }
        }

        double sigmoidSum = 0;
        long area = 0;
        for (int x = 0; x < _outWidth; x++)
        {
            int c0 = _outCols.I0[x], c1 = _outCols.I1[x];
            if (IsBackground(c0, threshold) && IsBackground(c1, threshold))
            {
                Append(false, _outHeight);
                continue;
            }

            var (left, leftRows) = CanvasColumn(logits, c0, keep: c1, threshold);
            var (right, rightRows) = CanvasColumn(logits, c1, keep: c0, threshold);
            // Output rows that read only canvas rows outside `rows` are background (see IsBelow); the others are
            // computed from the blend of every canvas row they read.
            var rows = leftRows.Union(rightRows);
            int yStart = rows.IsEmpty ? _outHeight : FirstAtLeast(_outRows.I1, rows.Start);
            int yEnd = rows.IsEmpty ? _outHeight : FirstAtLeast(_outRows.I0, rows.End);
            float w0 = _outCols.W0[x], w1 = _outCols.W1[x];
            for (int cy = yStart < yEnd ? _outRows.I0[yStart] : 0, end = yStart < yEnd ? _outRows.I1[yEnd - 1] + 1 : 0; cy < end; cy++)
            {
                _blend[cy] = left[cy] * w0 + right[cy] * w1;
            }

            Span<float> values = _outColumn.AsSpan(0, yEnd - yStart);
            for (int y = yStart; y < yEnd; y++)
            {
                values[y - yStart] = _blend[_outRows.I0[y]] * _outRows.W0[y] + _blend[_outRows.I1[y]] * _outRows.W1[y];
            }

            var (columnSum, columnArea) = ForegroundSigmoidSum(values, threshold);
            sigmoidSum += columnSum;
            area += columnArea;
            Append(false, yStart);
            foreach (float v in values)
            {
                Append(v > threshold, 1);
            }

            Append(false, _outHeight - yEnd);
        }

        _runs.Add(_run);
        var mask = new RleMask(_outHeight, _outWidth, [.. _runs]);
        return (mask, sigmoidSum / (area + 1e-6));
    }

    // Σσ(v) over the values above the threshold (float32, as the official sigmoid), and their count; vectorised, since
    // at full size this is most of the work.
    private static (double Sum, int Count) ForegroundSigmoidSum(ReadOnlySpan<float> values, float threshold)
    {
        int i = 0, count = 0;
        var sums = Vector256<float>.Zero;
        var limit = Vector256.Create(threshold);
        var one = Vector256<float>.One;
        for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var v = Vector256.Create(values.Slice(i, Vector256<float>.Count));
            var on = Vector256.GreaterThan(v, limit);
            if (on == Vector256<float>.Zero)
            {
                continue;
            }

            var sigmoid = one / (one + Vector256.Exp(-v));
            sums += Vector256.ConditionalSelect(on, sigmoid, Vector256<float>.Zero);
            count += BitOperations.PopCount(on.ExtractMostSignificantBits());
        }

        double sum = Vector256.Sum(sums);
        for (; i < values.Length; i++)
        {
            if (values[i] > threshold)
            {
                sum += 1f / (1f + MathF.Exp(-values[i]));
                count++;
            }
        }

        return (sum, count);
    }

    // Extends the column-major runs by `count` pixels of one value.
    private void Append(bool on, int count)
    {
        if (count == 0)
        {
            return;
        }

        if (on != _foreground)
        {
            _runs.Add(_run);
            _run = 0;
            _foreground = on;
        }

        _run += (uint)count;
    }

    // The first index whose value is at least `value` in a non-decreasing array (its length when there is none).
    private static int FirstAtLeast(int[] sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    // A value that no output pixel built from it (with others like it) can push above the threshold: with threshold 0
    // exactly ≤ 0 (sums of products of non-negative weights and non-positive values stay non-positive in float);
    // otherwise below it by a margin that covers rounding.
    private static bool IsBelow(float value, float threshold) =>
        threshold == 0f ? value <= 0f : value < threshold - 1e-4f * (1f + Math.Abs(threshold));

    // Every value of canvas column `cx` is a convex combination of two low-res columns, and every output value one of
    // canvas values, so when both low-res columns are below the threshold (IsBelow) no output pixel in the columns
    // built from them can exceed it.
    private bool IsBackground(int cx, float threshold) =>
        IsBelow(Math.Max(_lowResColumnMax[_canvasCols.I0[cx]], _lowResColumnMax[_canvasCols.I1[cx]]), threshold);

    // Canvas column `cx` (rows 0..h−1) of the upsampled logits and the rows that are not below the threshold, from a
    // two-slot cache; never evicts column `keep`.
    private (float[] Column, RowRange Rows) CanvasColumn(ReadOnlySpan<float> logits, int cx, int keep, float threshold)
    {
        for (int s = 0; s < 2; s++)
        {
            if (_canvasColumnIndex[s] == cx)
            {
                return (_canvasColumn[s], _canvasRows[s]);
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
        int first = -1, last = -1;
        for (int cy = 0; cy < _resizedHeight; cy++)
        {
            float v = _lowResRow[_canvasRowTaps.I0[cy]] * _canvasRowTaps.W0[cy] + _lowResRow[_canvasRowTaps.I1[cy]] * _canvasRowTaps.W1[cy];
            column[cy] = v;
            if (!IsBelow(v, threshold))
            {
                first = first < 0 ? cy : first;
                last = cy;
            }
        }

        _canvasColumnIndex[slot] = cx;
        _canvasRows[slot] = first < 0 ? default : new RowRange(first, last + 1);
        return (column, _canvasRows[slot]);
    }

    /// <summary>Canvas rows [Start, End) of a column outside which every value is below the threshold.</summary>
    private readonly record struct RowRange(int Start, int End)
    {
        public bool IsEmpty => End <= Start;

        public RowRange Union(RowRange other) =>
            IsEmpty ? other : other.IsEmpty ? this : new RowRange(Math.Min(Start, other.Start), Math.Max(End, other.End));
    }
}
