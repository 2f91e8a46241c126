using DiMaskDino.Model.Losses;
using DiMaskDino.Model.Tests.Common;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>The whole graph trains (criterion + AdamW) and leaves no tensor behind (style.md rule 5).</summary>
public sealed class TrainingSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_and_inference_forwards_leave_no_tensor_alive()
    {
        manual_seed(91);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(6));
        var (images, targets) = Scenes.SquareAndDisc(2, 96, 6);
        using var generator = new Generator(6);

        var live = TensorLeakCheck.LiveTensorsAfter(() =>
        {
            // No enclosing scope around the forwards: a tensor escaping the model would stay alive and be counted.
            using (var outputs = model.ForwardTraining(images, targets, generator))
            {
                using var lossScope = NewDisposeScope();
                var sets = outputs.Aux.Append(outputs.Main).Append(outputs.Interm).Concat(outputs.DiAux)
                    .Concat(outputs.Dn!.Aux).Append(outputs.Dn.Main);
                var loss = sets.Select(s => s.Logits.mean() + s.Boxes.mean() + (s.Masks?.mean() ?? zeros(1).sum()))
                    .Aggregate((a, b) => a + b);
                loss.backward();
            }

            using (var _ = no_grad())
            using (var inference = model.Infer(images))
            {
            }
        });

        images.Dispose();
        Scenes.Dispose(targets);
        Assert.Equal(0, live);
    }

    [Fact]
    public void Thirty_adamw_steps_on_a_square_and_a_disc_reduce_the_loss_clearly()
    {
        manual_seed(92);
        // TINY with fewer tokens so that a 64² canvas is admissible (S = 85) and a step stays fast.
        var options = ModelOptions.Tiny(3) with { FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5, MaskPoints = 256 };
        using var model = DiMaskDinoBuilder.Build(options);
        model.train();
        var criterion = SetCriterion.FromOptions(options);
        var (images, targets) = Scenes.SquareAndDisc(2, 64, 3);
        using var generator = new Generator(10);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);

        var losses = new List<float>();
        for (var step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var outputs = model.ForwardTraining(images, targets, generator);
            using var breakdown = criterion.Compute(outputs, targets, generator);
            breakdown.Total.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            losses.Add(breakdown.Total.item<float>());
        }

        output.WriteLine(string.Join(" ", losses.Select(l => l.ToString("F1", System.Globalization.CultureInfo.InvariantCulture))));
        var first = losses.Skip(2).Take(3).Average();          // steps 2–4: past the first, largest updates
        var last = losses.TakeLast(3).Average();
        images.Dispose();
        Scenes.Dispose(targets);
        Assert.True(last < 0.7 * first, $"loss went from {first:F2} to {last:F2}");
    }
}
