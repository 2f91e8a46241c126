using DiMaskDino.Contracts.Models;

namespace DiMaskDino.Inference.Images;

/// <summary>
/// How an image becomes the model's input (model.md §1.1): resized, normalised and zero-padded bottom/right onto a
/// canvas, with the <see cref="LetterboxGeometry"/> that maps predictions back. The model's metadata says which one
/// it needs (<see cref="InputTransformKind"/>).
/// </summary>
public interface IInputTransform
{
    /// <summary>Where an <paramref name="originalHeight"/>×<paramref name="originalWidth"/> image lands; its canvas is the input size.</summary>
    LetterboxGeometry Fit(int originalHeight, int originalWidth);

    /// <summary>Writes the normalised <c>[3, canvasHeight, canvasWidth]</c> input of <paramref name="image"/> into <paramref name="destination"/>.</summary>
    /// <param name="destination">exactly 3 × the canvas of <see cref="Fit"/> floats long</param>
    LetterboxGeometry Apply(DecodedImage image, Span<float> destination);
}
