using Microsoft.AspNetCore.Http;

namespace DiMaskDino.Functions.Jobs;

/// <summary>
/// Reads a request body up to <see cref="MaxBytes"/>. A job request is a JSON object of a few hundred bytes; a larger
/// body is refused (413) before it is buffered, whatever the Functions host in front of the worker accepts.
/// </summary>
internal static class RequestBody
{
    public const int MaxBytes = 64 * 1024;

    /// <returns>the body, or null when it is (or declares itself) larger than <see cref="MaxBytes"/></returns>
    public static async Task<BinaryData?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return null;
        }

        // One byte more than allowed tells "exactly at the limit" from "over it" without reading further.
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length > MaxBytes ? null : BinaryData.FromBytes(buffer.AsMemory(0, length));
    }
}
