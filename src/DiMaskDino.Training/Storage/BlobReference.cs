using DiMaskDino.Hosting;

namespace DiMaskDino.Training.Storage;

/// <summary>
/// A place in blob storage named on the command line as <c>CONTAINER/PATH</c>, e.g. <c>datasets/shapes/train</c> (a
/// prefix) or <c>models/tiny-01.onnx</c> (a blob). A leading <c>blob:</c> is accepted and ignored.
/// </summary>
internal sealed record BlobReference(string Container, string Path)
{
    public const string Scheme = "blob:";

    public override string ToString() => $"{Container}/{Path}";

    /// <summary>Parses <paramref name="value"/>; bad input is a <see cref="CliInputException"/> naming <paramref name="option"/>.</summary>
    public static BlobReference Parse(string value, string option)
    {
        var text = value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? value[Scheme.Length..] : value;
        text = text.Trim('/');
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1)
        {
            throw new CliInputException($"{option}: '{value}' is not CONTAINER/PATH (e.g. datasets/shapes/train or models/tiny.onnx)");
        }

        var container = text[..slash];
        var path = text[(slash + 1)..];
        if (container.Length < 3 || container.Length > 63 || !container.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new CliInputException($"{option}: '{container}' is not a blob container name (3-63 lowercase letters, digits or '-')");
        }

        if (path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new CliInputException($"{option}: '{value}' has an empty, '.' or '..' path segment");
        }

        return new BlobReference(container, path);
    }
}
