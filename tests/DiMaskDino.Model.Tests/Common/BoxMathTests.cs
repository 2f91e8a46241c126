using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Common;

public sealed class BoxMathTests
{
    [Fact]
    public void Inverse_sigmoid_is_clamped_at_0_and_1_and_inverts_sigmoid()
    {
        using var scope = NewDisposeScope();
        var ends = BoxMath.InverseSigmoid(tensor(new float[] { 0f, 1f, -3f, 4f }));

        // §14.2 item 1; values outside [0, 1] are clamped first.
        Assert.Equal(new[] { -11.512925f, 11.512925f, -11.512925f, 11.512925f }, ends.data<float>().ToArray(), new FloatTolerance(1e-5f));
        var x = linspace(-10, 10, 41);
        Assert.True(BoxMath.InverseSigmoid(x.sigmoid()).allclose(x, rtol: 0, atol: 2e-3));
    }

    [Fact]
    public void Box_format_conversions_round_trip()
    {
        using var scope = NewDisposeScope();
        var cxcywh = tensor(new float[] { 0.5f, 0.25f, 0.2f, 0.1f });
        var xyxy = BoxMath.CxcywhToXyxy(cxcywh);

        Assert.Equal(new[] { 0.4f, 0.2f, 0.6f, 0.3f }, xyxy.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.True(BoxMath.XyxyToCxcywh(xyxy).allclose(cxcywh, atol: 1e-6));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
