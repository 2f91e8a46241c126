using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Inference.Tests.Runtime;

public sealed class InferenceOptionsTests(TinyOnnxModel tiny) : IClassFixture<TinyOnnxModel>
{
    [Fact]
    public void Spinning_is_off_by_default_and_either_setting_gives_the_same_outputs()
    {
        Assert.False(new InferenceOptions().AllowSpinning);
        var input = Enumerable.Range(0, 3 * 96 * 96).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        var outputs = new List<float[]>();

        foreach (var spinning in new[] { false, true })
        {
            using var session = new ModelSession(
                tiny.Path, new InferenceOptions { PreferredProvider = ExecutionProvider.Cpu, AllowSpinning = spinning, IntraOpThreads = 2 }, new ListLogger<ModelSession>());
            using var result = session.Run(input, 1);
            outputs.Add([.. result.Logits, .. result.Boxes, .. result.Masks]);
        }

        Assert.Equal(outputs[0], outputs[1]);
    }
}
