using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Training;

/// <summary>
/// Every random stream of a training run at a step boundary, so a resumed run draws exactly what the uninterrupted run
/// would have drawn: the data loader's stream position (its order and augmentation are functions of seed and position),
/// the step generator (denoising noise, point sampling) and torch's global generator.
/// </summary>
/// <param name="LoaderPosition">samples the loader handed out, skipped ones included</param>
/// <param name="Generator">base64 of the step generator's state</param>
/// <param name="GlobalGenerator">base64 of torch's default CPU generator's state</param>
public sealed record RandomState(
    [property: JsonPropertyName("loader_position")] long LoaderPosition,
    [property: JsonPropertyName("generator")] string Generator,
    [property: JsonPropertyName("global_generator")] string GlobalGenerator)
{
    public static RandomState Capture(long loaderPosition, Generator generator)
    {
        using var state = generator.get_state();
        using var global = random.get_rng_state();
        return new RandomState(loaderPosition, ToBase64(state), ToBase64(global));
    }

    /// <summary>Puts the step generator and torch's global generator back where they stood.</summary>
    public void Restore(Generator generator)
    {
        using var state = FromBase64(Generator);
        generator.set_state(state);
        using var global = FromBase64(GlobalGenerator);
        random.set_rng_state(global);
    }

    private static string ToBase64(Tensor state) => Convert.ToBase64String(state.data<byte>().ToArray());

    private static Tensor FromBase64(string state) => tensor(Convert.FromBase64String(state), dtype: ScalarType.Byte);
}
