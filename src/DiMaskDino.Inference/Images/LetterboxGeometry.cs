namespace DiMaskDino.Inference.Images;

/// <summary>
/// Where an image sits on the model's canvas: the original <see cref="OriginalHeight"/>×<see cref="OriginalWidth"/>
/// image (as displayed, after EXIF orientation) was resized to <see cref="ResizedHeight"/>×<see cref="ResizedWidth"/>
/// and placed at the top-left corner of the <see cref="CanvasHeight"/>×<see cref="CanvasWidth"/> canvas, padded
/// bottom/right. model.md §10 maps predictions back with exactly these six numbers.
/// </summary>
public readonly record struct LetterboxGeometry(
    int CanvasHeight, int CanvasWidth, int ResizedHeight, int ResizedWidth, int OriginalHeight, int OriginalWidth)
{
    /// <summary>
    /// The placement of an <paramref name="originalHeight"/>×<paramref name="originalWidth"/> image: scaled by
    /// min(H/h₀, W/w₀), sizes rounded half to even and kept within 1..canvas (the training letterbox's rule).
    /// </summary>
    public static LetterboxGeometry Fit(int canvasHeight, int canvasWidth, int originalHeight, int originalWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canvasHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canvasWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(originalHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(originalWidth);
        double factor = Math.Min(canvasHeight / (double)originalHeight, canvasWidth / (double)originalWidth);
        int resizedHeight = Math.Clamp((int)Math.Round(originalHeight * factor, MidpointRounding.ToEven), 1, canvasHeight);
        int resizedWidth = Math.Clamp((int)Math.Round(originalWidth * factor, MidpointRounding.ToEven), 1, canvasWidth);
        return new LetterboxGeometry(canvasHeight, canvasWidth, resizedHeight, resizedWidth, originalHeight, originalWidth);
    }

    internal void Validate()
    {
        if (CanvasHeight <= 0 || CanvasWidth <= 0 || OriginalHeight <= 0 || OriginalWidth <= 0
            || ResizedHeight <= 0 || ResizedWidth <= 0 || ResizedHeight > CanvasHeight || ResizedWidth > CanvasWidth)
        {
            throw new ArgumentException($"Invalid letterbox geometry {this}.");
        }
    }
}
