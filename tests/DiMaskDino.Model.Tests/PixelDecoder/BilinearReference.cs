namespace DiMaskDino.Model.Tests.PixelDecoder;

/// <summary>
/// Brute-force bilinear sampling with the grid_sample convention of model.md §3.4 (align_corners = false, zero
/// padding): normalised x maps to pixel coordinate x·W − 0.5, and neighbours outside the map contribute 0.
/// </summary>
internal static class BilinearReference
{
    /// <param name="map">row-major H×W values, element (i, j) at map(i·W + j)</param>
    public static double Sample(Func<long, double> map, long height, long width, double x, double y)
    {
        double px = x * width - 0.5, py = y * height - 0.5;
        long x0 = (long)Math.Floor(px), y0 = (long)Math.Floor(py);
        double fx = px - x0, fy = py - y0;
        double sum = 0;
        foreach (var (i, wy) in new[] { (y0, 1 - fy), (y0 + 1, fy) })
        {
            foreach (var (j, wx) in new[] { (x0, 1 - fx), (x0 + 1, fx) })
            {
                if (i >= 0 && i < height && j >= 0 && j < width)
                {
                    sum += wy * wx * map(i * width + j);
                }
            }
        }

        return sum;
    }
}
