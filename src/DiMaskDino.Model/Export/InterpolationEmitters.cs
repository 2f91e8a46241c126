// ONNX emitters for the two interpolation ops (model.md §13.2, §14.2 #20): bilinear Resize equal to
// interpolate(mode bilinear, align_corners = False), and GridSample (opset 16+) equal to grid_sample(bilinear,
// zeros, align_corners = False).

namespace DiMaskDino.Model.Export;

/// <summary>Resize's coordinate_transformation_mode; both equal interpolate(align_corners = False) for output sizes &gt; 1.</summary>
public enum ResizeCoordinates
{
    /// <summary>"half_pixel" (the default; §13.2).</summary>
    HalfPixel,

    /// <summary>"pytorch_half_pixel" (differs from half_pixel only for an output size of 1).</summary>
    PytorchHalfPixel,
}

/// <summary>Resize and GridSample with the conventions of the TorchSharp model.</summary>
public static class InterpolationEmitters
{
    /// <summary>
    /// Bilinear resize of [B, C, H, W] to [B, C, <paramref name="height"/>, <paramref name="width"/>] (batch and
    /// channels taken from the runtime shape, so the batch stays dynamic).
    /// </summary>
    public static string ResizeBilinear(
        OnnxGraphBuilder g, string x, long height, long width,
        ResizeCoordinates coordinates = ResizeCoordinates.HalfPixel, string name = "resize")
    {
        ArgumentNullException.ThrowIfNull(g);
        return ResizeBilinear(g, x, g.AddInt64Constant(name + "_h", [height]), g.AddInt64Constant(name + "_w", [width]), coordinates, name);
    }

    /// <summary>As above with the output size given by int64 [1] tensors (sizes computed in the graph).</summary>
    public static string ResizeBilinear(
        OnnxGraphBuilder g, string x, string height, string width,
        ResizeCoordinates coordinates = ResizeCoordinates.HalfPixel, string name = "resize")
    {
        ArgumentNullException.ThrowIfNull(g);
        var batchAndChannels = OnnxOps.Slice(g, OnnxOps.Shape(g, x, name + "_inshape"), 0, 0, 2, name + "_bc"); // [2]
        var sizes = OnnxOps.Concat(g, [batchAndChannels, height, width], 0, name + "_sizes");
        return g.AddNode(
            "Resize", [x, "", "", sizes], name,
            Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", coordinates == ResizeCoordinates.HalfPixel ? "half_pixel" : "pytorch_half_pixel"));
    }

    /// <summary>GridSample, bilinear, zero padding, align_corners 0.</summary>
    /// <param name="x">[N, C, H, W]</param>
    /// <param name="grid">[N, Ho, Wo, 2] in [−1, 1], x first</param>
    /// <returns>[N, C, Ho, Wo]</returns>
    public static string GridSample(OnnxGraphBuilder g, string x, string grid, string name = "gridsample")
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.AddNode(
            "GridSample", [x, grid], name,
            Attr.String("mode", "bilinear"), Attr.String("padding_mode", "zeros"), Attr.Int("align_corners", 0));
    }
}
