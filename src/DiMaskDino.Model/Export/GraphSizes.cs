// The spatial sizes of a whole exported graph (model.md §13): input, stride-4 map and attention levels. A fixed-size
// export stores them as constants; a size-dynamic export computes them from the input's runtime shape with the
// backbone's rounding (each stride-2 step rounds up, so an odd stride-32 side gives a rounded-up stride-64 level).

namespace DiMaskDino.Model.Export;

/// <summary>The sizes of a whole inference graph: input, stride-4 map (mask size) and the encoder levels.</summary>
/// <param name="Height">input H, int64 [1]</param>
/// <param name="Width">input W, int64 [1]</param>
/// <param name="Res2">(H/4, W/4), int64 [1] each: res2, the mask features and pred_masks</param>
/// <param name="Levels">the encoder levels [s8, s16, s32, s64] (pixel decoder order)</param>
public sealed record GraphSizes(string Height, string Width, (string Height, string Width) Res2, LevelGeometry Levels)
{
    /// <summary>Strides of the backbone's stride-2 steps: stem conv, stem pool, layer2, layer3, layer4, then the extra level.</summary>
    private const int Steps = 6;

    /// <summary>Sizes of a fixed-size graph: constants (<see cref="OnnxExporter.SizesFor"/>).</summary>
    public static GraphSizes Constant(OnnxGraphBuilder g, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(g);
        var (res2, levels) = OnnxExporter.SizesFor(height, width);
        return new GraphSizes(
            g.AddInt64Constant("input_height", [height]), g.AddInt64Constant("input_width", [width]),
            (g.AddInt64Constant("res2_height", [res2.Height]), g.AddInt64Constant("res2_width", [res2.Width])),
            LevelGeometry.Constant(g, levels, "enc_levels"));
    }

    /// <summary>
    /// Sizes of a size-dynamic graph from the runtime shape of <paramref name="images"/> [B, 3, H, W]: n ↦ (n + 1) / 2
    /// per stride-2 step, as <see cref="OnnxExporter.SizesFor"/> does.
    /// </summary>
    public static GraphSizes FromInput(OnnxGraphBuilder g, string images)
    {
        ArgumentNullException.ThrowIfNull(g);
        var shape = OnnxOps.Shape(g, images, "input_shape");
        var height = OnnxOps.Slice(g, shape, 0, 2, 3, "input_height");
        var width = OnnxOps.Slice(g, shape, 0, 3, 4, "input_width");
        var one = g.AddInt64Constant("size_one", [1]);
        var two = g.AddInt64Constant("size_two", [2]);
        string Half(string n, string name) => OnnxOps.Div(g, OnnxOps.Add(g, n, one, name + "_plus1"), two, name);

        var sizes = new List<(string, string)>();
        (string Height, string Width) res2 = default;
        var (h, w) = (height, width);
        for (var step = 1; step <= Steps; step++)
        {
            var stride = 1 << step;
            (h, w) = (Half(h, $"s{stride}_height"), Half(w, $"s{stride}_width"));
            if (stride == 4)
            {
                res2 = (h, w);
            }
            else if (stride >= 8)
            {
                sizes.Add((h, w));
            }
        }

        return new GraphSizes(height, width, res2, LevelGeometry.Computed(g, sizes, "enc_levels"));
    }
}
