// Inline MSBuild task used by TorchSharpNativeFix.targets (RoslynCodeTaskFactory compiles it on first use,
// against netstandard: keep to netstandard2.0 APIs). See docs/torchsharp-on-debian.md.
//
// What it does, per output copy of libLibTorchSharp.so:
//   1. Find the libstdc++ this process loaded (the same one a test host or app will load) and read its
//      version definitions (.gnu.version_d). If it defines GLIBCXX_3.4.32, there is nothing to do.
//   2. In the output copy, find the Vernaux entry "libstdc++.so.6 / GLIBCXX_3.4.32" in .gnu.version_r.
//      Already weak: no-op. Otherwise check that the version is a pure marker: the only dynamic symbol
//      bound to it is std::ios_base_library_init(), undefined, with no relocation against it.
//   3. Copy the file to a temporary sibling, set VER_FLG_WEAK in the copy, give it the original timestamp
//      and rename it over the output file. The rename replaces the directory entry, so a hard link or
//      symlink into the NuGet cache is never written through.
// ELF64 little-endian only (linux-x64, linux-arm64).

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchTorchSharpNativeLibrary : Task
{
    private const string LibStdCxx = "libstdc++.so.6";
    private const string RequiredVersion = "GLIBCXX_3.4.32";
    private const string MarkerSymbol = "_ZSt21ios_base_library_initv"; // std::ios_base_library_init()
    private const ushort VerFlagWeak = 0x2;

    [Required]
    public ITaskItem[] Files { get; set; }

    public override bool Execute()
    {
        string host = FindHostLibStdCxx();
        if (host == null)
        {
            Log.LogMessage(MessageImportance.Normal,
                "TorchSharpNativeFix: could not locate the host's {0}; libLibTorchSharp.so left as is.", LibStdCxx);
            return true;
        }

        List<string> hostVersions;
        try
        {
            hostVersions = Elf.Read(host).DefinedVersionNames();
        }
        catch (Exception e) when (IsReadOrFormatError(e))
        {
            Log.LogMessage(MessageImportance.Normal,
                "TorchSharpNativeFix: could not read the version definitions of {0} ({1}); libLibTorchSharp.so left as is.",
                host, e.Message);
            return true;
        }

        if (hostVersions.Count == 0)
        {
            Log.LogMessage(MessageImportance.Normal,
                "TorchSharpNativeFix: {0} has no version definitions; libLibTorchSharp.so left as is.", host);
            return true;
        }

        if (hostVersions.Contains(RequiredVersion))
        {
            Log.LogMessage(MessageImportance.Low,
                "TorchSharpNativeFix: {0} defines {1}; no patch needed.", host, RequiredVersion);
            return true;
        }

        string hostNewest = NewestGlibcxx(hostVersions);
        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                PatchOne(path, host, hostNewest);
            }
            catch (Exception e) when (IsReadOrFormatError(e))
            {
                Log.LogError("TorchSharpNativeFix: could not patch {0}: {1}", path, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }

    private void PatchOne(string path, string host, string hostNewest)
    {
        if (!File.Exists(path))
        {
            Log.LogError("TorchSharpNativeFix: expected {0} in the output, but it is missing.", path);
            return;
        }

        Elf elf = Elf.Read(path);
        Elf.Requirement requirement = elf.FindRequirement(LibStdCxx, RequiredVersion);
        if (requirement == null)
        {
            Log.LogMessage(MessageImportance.Low,
                "TorchSharpNativeFix: {0} does not require {1}; nothing to do.", path, RequiredVersion);
            return;
        }

        if ((requirement.Flags & VerFlagWeak) != 0)
        {
            Log.LogMessage(MessageImportance.Low, "TorchSharpNativeFix: {0} is already patched.", path);
            return;
        }

        string problem = elf.CheckMarkerOnly(requirement.VersionIndex, MarkerSymbol);
        if (problem != null)
        {
            Log.LogError(
                "TorchSharpNativeFix: cannot patch {0} safely: {1}. The host's {2} ({3}) stops at {4}; this TorchSharp " +
                "build needs a newer libstdc++ (e.g. Ubuntu 24.04). Disable the fix with -p:TorchSharpNativeFix=false.",
                path, problem, LibStdCxx, host, hostNewest);
            return;
        }

        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp"; // unique: parallel builds may race
        try
        {
            File.Copy(path, temp, true);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
            {
                ushort flags = (ushort)(requirement.Flags | VerFlagWeak);
                stream.Position = requirement.FlagsOffset;
                stream.WriteByte((byte)(flags & 0xFF));
                stream.WriteByte((byte)(flags >> 8));
            }

            // Same size and timestamp as the package file, so the Copy task's SkipUnchangedFiles leaves the
            // patched copy alone on the next incremental build.
            File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(path));
            File.Replace(temp, path, null);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        Log.LogMessage(MessageImportance.High,
            "TorchSharpNativeFix: patched {0}: made its {1} requirement weak (host {2} stops at {3}).",
            path, RequiredVersion, host, hostNewest);
    }

    private static bool IsReadOrFormatError(Exception e) =>
        e is IOException || e is UnauthorizedAccessException || e is InvalidDataException || e is IndexOutOfRangeException;

    // The libstdc++ mapped into this (dotnet) process is the one the loader will hand to TorchSharp too.
    private static string FindHostLibStdCxx()
    {
        try
        {
            foreach (string line in File.ReadAllLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && Path.GetFileName(line.Substring(slash)).StartsWith("libstdc++.so", StringComparison.Ordinal))
                {
                    return line.Substring(slash).Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        string[] candidates =
        {
            "/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/aarch64-linux-gnu/",
            "/usr/lib/aarch64-linux-gnu/", "/usr/lib64/", "/lib64/", "/usr/lib/",
        };
        foreach (string dir in candidates)
        {
            if (File.Exists(dir + LibStdCxx))
            {
                return dir + LibStdCxx;
            }
        }

        return null;
    }

    private static string NewestGlibcxx(List<string> versions)
    {
        Version newest = null;
        foreach (string name in versions)
        {
            Version v;
            if (name.StartsWith("GLIBCXX_", StringComparison.Ordinal) && Version.TryParse(name.Substring(8), out v)
                && (newest == null || v > newest))
            {
                newest = v;
            }
        }

        return newest == null ? "an unknown GLIBCXX version" : "GLIBCXX_" + newest;
    }

    /// <summary>Just enough of an ELF64 little-endian reader for symbol versioning.</summary>
    private sealed class Elf
    {
        private const uint ShtRela = 4;
        private const uint ShtDynSym = 11;
        private const uint ShtGnuVerDef = 0x6ffffffd;
        private const uint ShtGnuVerNeed = 0x6ffffffe;
        private const uint ShtGnuVerSym = 0x6fffffff;

        private readonly byte[] _data;
        private readonly List<Section> _sections = new List<Section>();

        private Elf(byte[] data)
        {
            _data = data;
        }

        public sealed class Requirement
        {
            public long FlagsOffset;
            public ushort Flags;
            public ushort VersionIndex;
        }

        private sealed class Section
        {
            public uint Type;
            public long Offset;
            public long Size;
            public int Link;
            public int Info;
            public long EntrySize;
        }

        public static Elf Read(string path)
        {
            var elf = new Elf(File.ReadAllBytes(path));
            byte[] d = elf._data;
            if (d.Length < 64 || d[0] != 0x7F || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F')
            {
                throw new InvalidDataException(path + " is not an ELF file.");
            }

            if (d[4] != 2 || d[5] != 1)
            {
                throw new InvalidDataException(path + " is not a 64-bit little-endian ELF file.");
            }

            long shoff = (long)elf.U64(0x28);
            int shentsize = elf.U16(0x3A);
            int shnum = elf.U16(0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                elf._sections.Add(new Section
                {
                    Type = elf.U32(h + 4),
                    Offset = (long)elf.U64(h + 24),
                    Size = (long)elf.U64(h + 32),
                    Link = (int)elf.U32(h + 40),
                    Info = (int)elf.U32(h + 44),
                    EntrySize = (long)elf.U64(h + 56),
                });
            }

            return elf;
        }

        /// <summary>Names in .gnu.version_d (Verdef/Verdaux chains).</summary>
        public List<string> DefinedVersionNames()
        {
            var names = new List<string>();
            Section verdef = Find(ShtGnuVerDef);
            if (verdef == null)
            {
                return names;
            }

            long def = verdef.Offset;
            for (int i = 0; i < verdef.Info; i++)
            {
                long aux = def + U32(def + 12);              // vd_aux
                names.Add(String(verdef.Link, U32(aux)));    // vda_name of the first Verdaux
                uint next = U32(def + 16);                   // vd_next
                if (next == 0)
                {
                    break;
                }

                def += next;
            }

            return names;
        }

        /// <summary>The Vernaux entry for (file, version) in .gnu.version_r, or null.</summary>
        public Requirement FindRequirement(string file, string version)
        {
            Section verneed = Find(ShtGnuVerNeed);
            if (verneed == null)
            {
                return null;
            }

            long need = verneed.Offset;
            for (int i = 0; i < verneed.Info; i++)
            {
                if (String(verneed.Link, U32(need + 4)) == file)                 // vn_file
                {
                    long aux = need + U32(need + 8);                             // vn_aux
                    for (int j = 0; j < U16(need + 2); j++)                      // vn_cnt
                    {
                        if (String(verneed.Link, U32(aux + 8)) == version)       // vna_name
                        {
                            return new Requirement
                            {
                                FlagsOffset = aux + 4,                           // vna_flags
                                Flags = U16(aux + 4),
                                VersionIndex = U16(aux + 6),                     // vna_other
                            };
                        }

                        aux += U32(aux + 12);                                    // vna_next
                    }
                }

                uint next = U32(need + 12);                                      // vn_next
                if (next == 0)
                {
                    break;
                }

                need += next;
            }

            return null;
        }

        /// <summary>
        /// Null when the only dynamic symbol with this version index is the undefined marker symbol and no
        /// dynamic relocation refers to it; otherwise a description of what else depends on the version.
        /// </summary>
        public string CheckMarkerOnly(ushort versionIndex, string marker)
        {
            Section dynsym = Find(ShtDynSym);
            Section versym = Find(ShtGnuVerSym);
            if (dynsym == null || versym == null)
            {
                return "no .dynsym/.gnu.version section";
            }

            var bound = new List<int>();
            long count = dynsym.Size / dynsym.EntrySize;
            for (int i = 0; i < count; i++)
            {
                if ((U16(versym.Offset + 2L * i) & 0x7FFF) != versionIndex)
                {
                    continue;
                }

                long sym = dynsym.Offset + i * dynsym.EntrySize;
                string name = String(dynsym.Link, U32(sym));
                if (name != marker || U16(sym + 6) != 0)                             // st_shndx 0 = undefined
                {
                    return "symbol " + name + " is bound to that version";
                }

                bound.Add(i);
            }

            int dynsymIndex = _sections.IndexOf(dynsym);
            foreach (Section rela in _sections)
            {
                if (rela.Type != ShtRela || rela.Link != dynsymIndex || rela.EntrySize == 0)
                {
                    continue;
                }

                for (long r = rela.Offset; r < rela.Offset + rela.Size; r += rela.EntrySize)
                {
                    if (bound.Contains((int)(U64(r + 8) >> 32)))                     // ELF64_R_SYM(r_info)
                    {
                        return "a relocation refers to " + marker;
                    }
                }
            }

            return null;
        }

        private Section Find(uint type)
        {
            foreach (Section s in _sections)
            {
                if (s.Type == type)
                {
                    return s;
                }
            }

            return null;
        }

        private string String(int strtabIndex, uint offset)
        {
            long start = _sections[strtabIndex].Offset + offset;
            long end = start;
            while (_data[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(_data, (int)start, (int)(end - start));
        }

        private ushort U16(long o) => (ushort)(_data[o] | (_data[o + 1] << 8));

        private uint U32(long o) => (uint)(_data[o] | (_data[o + 1] << 8) | (_data[o + 2] << 16) | (_data[o + 3] << 24));

        private ulong U64(long o) => U32(o) | ((ulong)U32(o + 4) << 32);
    }
}
