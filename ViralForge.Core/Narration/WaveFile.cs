using System.Buffers.Binary;
using System.Text;

namespace ViralForge.Core.Narration;

/// <summary>Reads a RIFF/WAVE answer (16-bit PCM or 32-bit float, any rate, any channels) into mono 16-bit samples.</summary>
public static class WaveFile
{
    public static (short[] Samples, int SampleRate) ReadMono(byte[] data)
    {
        if (data.Length < 44 || Encoding.ASCII.GetString(data, 0, 4) != "RIFF" || Encoding.ASCII.GetString(data, 8, 4) != "WAVE")
        {
            throw new InvalidDataException("The answer is not a WAV file.");
        }
        int? format = null, channels = null, rate = null, bits = null;
        var at = 12;
        while (at + 8 <= data.Length)
        {
            var id = Encoding.ASCII.GetString(data, at, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at + 4));
            var body = at + 8;
            if (size < 0)
            {
                throw new InvalidDataException("The WAV file has a chunk of negative size.");
            }
            if (id == "fmt " && size >= 16 && body + 16 <= data.Length)
            {
                format = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(body));
                channels = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(body + 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(body + 4));
                bits = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(body + 14));
                if (format == -2 && size >= 40)
                {
                    // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes are the real format.
                    format = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(body + 24));
                }
            }
            else if (id == "data")
            {
                if (format is null || channels is not > 0 || rate is not (>= 8000 and <= 192000))
                {
                    throw new InvalidDataException("The WAV file's format chunk is missing or unreadable.");
                }
                // Streaming servers write 0 or -1 for a size they did not know yet: the rest of the file is the data.
                var length = size <= 0 || body + size > data.Length ? data.Length - body : size;
                return (Decode(data.AsSpan(body, length), format.Value, bits ?? 0, channels.Value), rate.Value);
            }
            at = body + size + (size & 1);
        }
        throw new InvalidDataException("The WAV file has no audio data.");
    }

    private static short[] Decode(ReadOnlySpan<byte> data, int format, int bits, int channels)
    {
        var bytes = bits / 8;
        if (!((format == 1 && bits == 16) || (format == 3 && bits == 32)))
        {
            throw new InvalidDataException($"The WAV file is {bits}-bit format {format}; 16-bit PCM or 32-bit float is read.");
        }
        var frames = data.Length / (bytes * channels);
        var samples = new short[frames];
        for (var f = 0; f < frames; f++)
        {
            double sum = 0;
            for (var c = 0; c < channels; c++)
            {
                var slice = data.Slice((f * channels + c) * bytes, bytes);
                sum += format == 1 ? BinaryPrimitives.ReadInt16LittleEndian(slice) / 32768.0 : BinaryPrimitives.ReadSingleLittleEndian(slice);
            }
            samples[f] = (short)Math.Clamp(sum / channels * 32767.0, -32768, 32767);
        }
        return samples;
    }
}
