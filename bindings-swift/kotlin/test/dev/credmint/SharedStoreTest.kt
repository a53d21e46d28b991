// Tokens shared through a TokenStore: the in-memory store, a store that fails
// or hangs, and a real redis-server through the Redis commands the store
// interface documents (spoken by a minimal RESP client, test code only: no
// JVM Redis client is available from the registries this project builds from).
package dev.credmint

import java.io.BufferedInputStream
import java.io.OutputStream
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test

class SharedStoreTest {
    companion object {
        private lateinit var emulator: Emulator
        private val SECRET = "kotlin-shared-test-secret-0123456789".toByteArray()

        @BeforeClass @JvmStatic fun start() { emulator = Emulator.start() }
        @AfterClass @JvmStatic fun stop() { emulator.close() }
    }

    private fun tokenRequests(): Long =
        com.google.gson.JsonParser.parseString(emulator.getJson("/_emulator/stats")).asJsonObject["requests"]
            .asJsonObject["POST /identity/token"]?.asLong ?: 0

    private fun ibm() = IbmApiKeyCredentials(Emulator.APIKEY, url = emulator.base)

    @Test
    fun credentialsSharingAStoreShareOneToken() = runBlocking {
        val before = tokenRequests()
        val store = MemoryTokenStore(SECRET)
        val tokens = listOf(ibm().withTokenStore(store), ibm().withTokenStore(store))
            .map { async { it.accessToken().token() } }.awaitAll()
        assertEquals(1, tokens.toSet().size)
        assertEquals(before + 1, tokenRequests())
        ibm().withTokenStore(MemoryTokenStore("another-secret-0123456789abcdefghij".toByteArray())).accessToken()
        assertEquals("another secret: its own token request", before + 2, tokenRequests())
        assertEquals("MemoryTokenStore([redacted])", store.toString())
    }

    @Test
    fun aFailingOrHangingStoreLeavesTheRefreshInProcess() = runBlocking {
        val broken = object : TokenStore {
            override val secret = SECRET
            override val optionsJson = """{"store_timeout_millis": 100}"""
            override suspend fun get(key: String): String? = throw java.io.IOException("connection refused")
            override suspend fun setIfAbsent(key: String, value: String, ttlMillis: Long): Boolean = awaitCancellation()
            override suspend fun set(key: String, value: String, ttlMillis: Long) = Unit
            override suspend fun deleteIfEquals(key: String, value: String) = Unit
        }
        assertTrue(ibm().withTokenStore(broken).accessToken().token().isNotEmpty())
        val hanging = object : TokenStore by broken {
            override suspend fun get(key: String): String? = awaitCancellation()
        }
        val started = System.nanoTime()
        assertTrue(ibm().withTokenStore(hanging).accessToken().token().isNotEmpty())
        assertTrue("bounded by the core's store timeout", System.nanoTime() - started < 2_000_000_000L)
    }

    @Test
    fun badSecretsAndOptionsAreRefused() {
        assertEquals("invalid_argument", codeOf { ibm().withTokenStore(MemoryTokenStore(ByteArray(5))) })
        assertEquals("invalid_argument", codeOf { ibm().withTokenStore(MemoryTokenStore(SECRET, """{"lease_millis": 1}""")) })
        assertEquals("not_supported", codeOf {
            ExternalAccountCredentials(Vectors.text(com.google.gson.JsonObject().apply {
                addProperty("text", """{"type":"external_account","audience":"//iam.googleapis.com/x","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"/t"}}""")
            })).withTokenStore(MemoryTokenStore(SECRET))
        })
    }

    @Test
    fun processesShareOneTokenThroughRealRedis() = runBlocking {
        Redis().use { redis ->
            val before = tokenRequests()
            // One connection per credentials object, as separate processes would have.
            val fleet = (1..4).map { ibm().withTokenStore(RespTokenStore(redis.port, SECRET)) }
            val tokens = fleet.flatMap { creds -> (1..8).map { async(Dispatchers.IO) { creds.accessToken().token() } } }.awaitAll()
            assertEquals(1, tokens.toSet().size)
            assertEquals("one token request for 4 credentials x 8 callers", before + 1, tokenRequests())
            val keys = RespTokenStore(redis.port, SECRET).command("KEYS", "credmint:*") as List<*>
            assertEquals(listOf<Any?>(), keys.filter { (it as String).endsWith(":lease") })
            val entry = RespTokenStore(redis.port, SECRET).command("GET", keys.single() as String) as String
            assertTrue("sealed", entry.startsWith("cm1.") && !entry.contains(tokens[0]))
        }
    }
}

/** redis-server on a free port, no persistence. */
class Redis : AutoCloseable {
    val port = ServerSocket(0).use { it.localPort }
    private val process = ProcessBuilder("redis-server", "--port", "$port", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start()

    init {
        repeat(100) {
            try {
                Socket("127.0.0.1", port).close()
                return@repeat
            } catch (notYet: java.io.IOException) {
                Thread.sleep(50)
            }
        }
    }

    override fun close() {
        process.destroy()
        process.waitFor(10, TimeUnit.SECONDS)
    }
}

/** The TokenStore's Redis commands over one RESP connection (test code). */
class RespTokenStore(port: Int, override val secret: ByteArray) : TokenStore {
    private val socket = Socket("127.0.0.1", port)
    private val input = BufferedInputStream(socket.getInputStream())
    private val output: OutputStream = socket.getOutputStream()

    @Synchronized
    fun command(vararg parts: String): Any? {
        val request = StringBuilder("*${parts.size}\r\n")
        for (part in parts) request.append("$").append(part.toByteArray().size).append("\r\n").append(part).append("\r\n")
        output.write(request.toString().toByteArray())
        output.flush()
        return reply()
    }

    private fun line(): String {
        val bytes = java.io.ByteArrayOutputStream()
        while (true) {
            val b = input.read()
            check(b >= 0) { "redis closed the connection" }
            if (b == '\r'.code) { input.read(); return bytes.toString(Charsets.UTF_8) }
            bytes.write(b)
        }
    }

    private fun reply(): Any? {
        val head = line()
        return when (head[0]) {
            '+' -> head.substring(1)
            '-' -> throw java.io.IOException("redis error")
            ':' -> head.substring(1).toLong()
            '$' -> head.substring(1).toInt().let { n ->
                if (n < 0) null else String(input.readNBytes(n), Charsets.UTF_8).also { input.readNBytes(2) }
            }
            '*' -> head.substring(1).toInt().let { n -> if (n < 0) null else (1..n).map { reply() } }
            else -> throw java.io.IOException("unexpected redis reply")
        }
    }

    override suspend fun get(key: String): String? = withContext(Dispatchers.IO) { command("GET", key) as String? }

    override suspend fun setIfAbsent(key: String, value: String, ttlMillis: Long): Boolean =
        withContext(Dispatchers.IO) { command("SET", key, value, "NX", "PX", "$ttlMillis") == "OK" }

    override suspend fun set(key: String, value: String, ttlMillis: Long) {
        withContext(Dispatchers.IO) { command("SET", key, value, "PX", "$ttlMillis") }
    }

    override suspend fun deleteIfEquals(key: String, value: String) {
        withContext(Dispatchers.IO) { command("EVAL", RELEASE, "1", key, value) }
    }

    private companion object {
        const val RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
    }
}
