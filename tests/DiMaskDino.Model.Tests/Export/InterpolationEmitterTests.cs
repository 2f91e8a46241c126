// model.md §14.2 #20: the two interpolation ops alone against TorchSharp — ×2 bilinear upsampling (including the
// border rows and columns) and grid sampling at points outside [0, 1] with zero padding.

using DiMaskDino.Model.Export;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class InterpolationEmitterTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(ResizeCoordinates.HalfPixel)]
    [InlineData(ResizeCoordinates.PytorchHalfPixel)]
    public void Bilinear_x2_resize_matches_interpolate_without_align_corners_including_borders(ResizeCoordinates mode)
    {
        manual_seed(21);
        using var x = randn(2, 16, 8, 7);
        using var expected = nn.functional.interpolate(x, size: [16, 14], mode: InterpolationMode.Bilinear, align_corners: false);
        using var actual = OrtParity.RunSingle(x, (g, input) => InterpolationEmitters.ResizeBilinear(g, input, 16, 14, mode));

        OrtParity.AssertClose(log, $"resize {mode}", expected, actual, 1e-5);
        // Border rows/columns: PyTorch clamps the negative source coordinate to 0, so the first output row equals
        // input row 0 blended only along x; checked separately so a border-only mismatch is named.
        foreach (var (dim, index) in new[] { (2, 0L), (2, 15L), (3, 0L), (3, 13L) })
        {
            using var e = expected.select(dim, index);
            using var a = actual.select(dim, index);
            OrtParity.AssertClose(log, $"resize {mode} border dim{dim}@{index}", e, a, 1e-5);
        }
    }

    [Fact]
    public void Grid_sample_outside_unit_square_blends_with_zeros_like_torchsharp()
    {
        manual_seed(22);
        using var map = randn(2, 3, 5, 6);
        using var grid = rand(2, 4, 9, 2) * 3.2 - 1.6;                    // normalised [−1.6, 1.6]: many points outside
        using var expected = nn.functional.grid_sample(
            map, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);

        var g = new OnnxGraphBuilder("gridsample");
        g.AddInput("map", OnnxGraphBuilder.BatchDim, 3L, 5L, 6L);
        g.AddInput("grid", OnnxGraphBuilder.BatchDim, 4L, 9L, 2L);
        g.AddOutput("y", InterpolationEmitters.GridSample(g, "map", "grid"), OnnxGraphBuilder.BatchDim, 3L, 4L, 9L);
        using var actual = OrtParity.Run(g.ToBytes(), [("map", map), ("grid", grid)], ["y"])[0];

        OrtParity.AssertClose(log, "grid_sample", expected, actual, 1e-5);
        using var outside = (grid.abs() > 1 + 1.0 / 5).any(-1);          // beyond half a pixel outside: exactly zero
        Assert.True(outside.any().item<bool>());
        using var outsideValues = actual.abs().sum(1).masked_select(outside);
        Assert.Equal(0f, outsideValues.max().item<float>());
    }
}
