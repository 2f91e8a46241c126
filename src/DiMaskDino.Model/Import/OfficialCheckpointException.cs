namespace DiMaskDino.Model.Import;

// An IOException: the file is unusable, as with any other unreadable input (hosts report it as bad input).

/// <summary>A checkpoint or configuration that cannot be imported; the message is one line naming the file and the problem.</summary>
public sealed class OfficialCheckpointException : IOException
{
    public OfficialCheckpointException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
    }

    public string File { get; }
}
