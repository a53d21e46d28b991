// The platform's answers to the core's host steps: a file's bytes, an
// environment variable, a command's output. What to ask, in which order and
// what every answer means are the core's.
package dev.credmint

import java.io.File
import java.io.IOException
import java.nio.file.FileSystemException
import java.nio.file.Files
import java.nio.file.InvalidPathException
import java.nio.file.NoSuchFileException
import java.nio.file.Paths
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/** At most `most` bytes of a file (callers ask for one more than the core accepts). */
internal fun readAtMost(path: java.nio.file.Path, most: Int): ByteArray =
    Files.newInputStream(path).use { it.readNBytes(most) }

/** A `ReadFile` step's answer: the bytes, missing, or why the file could not be read. */
internal suspend fun readFile(path: String, maxBytes: ULong): HostAnswer = withContext(Dispatchers.IO) {
    try {
        HostAnswer.File(readAtMost(Paths.get(path), maxBytes.coerceAtMost(Int.MAX_VALUE.toULong()).toInt()))
    } catch (missing: NoSuchFileException) {
        HostAnswer.FileMissing
    } catch (failure: IOException) {
        val reason = if (failure is FileSystemException) failure.reason else failure.message
        HostAnswer.FileUnreadable(reason ?: failure.javaClass.simpleName)
    } catch (invalid: InvalidPathException) {
        HostAnswer.FileUnreadable(invalid.reason ?: "not a path")
    }
}

/** A `Run` step's answer: the command without a shell, its variables added, killed at its time limit. */
internal suspend fun runCommand(run: ExecutableRun): HostAnswer = withContext(Dispatchers.IO) {
    val stdout = File.createTempFile("credmint-executable-", ".out")
    try {
        val process = try {
            ProcessBuilder(listOf(run.program) + run.args)
                .apply { environment().putAll(run.env) }
                .redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
                .redirectOutput(stdout)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
        } catch (failure: IOException) {
            return@withContext HostAnswer.NotStarted(failure.message ?: failure.javaClass.simpleName)
        }
        if (!process.waitFor(run.timeoutMillis.toLong(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly()
            return@withContext HostAnswer.TimedOut
        }
        HostAnswer.Exited(process.exitValue(), readAtMost(stdout.toPath(), maxResponseBody().toInt() + 1))
    } finally {
        stdout.delete()
    }
}
