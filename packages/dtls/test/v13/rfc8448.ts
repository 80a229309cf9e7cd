/**
 * Values of RFC 8448 §3 ("Simple 1-RTT Handshake": x25519, TLS_AES_128_GCM_SHA256), as hex.
 * The wire bytes are the RFC's ClientHello message and the records the server and client sent.
 */
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

export const RFC8448 = {
  clientPrivate: hex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005'),
  clientPublic: hex('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c'),
  serverPrivate: hex('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e'),
  serverPublic: hex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f'),
  ecdhe: hex('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d'),
  earlySecret: hex('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a'),
  handshakeSecret: hex('1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac'),
  helloHash: hex('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8'),
  clientHsTraffic: hex('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21'),
  serverHsTraffic: hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38'),
  masterSecret: hex('18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919'),
  serverFinishedHash: hex('9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13'),
  clientApTraffic: hex('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5'),
  serverApTraffic: hex('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643'),
  exporterMaster: hex('fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50'),
  serverHsKey: hex('3fce516009c21727d0f2e4e86ee403bc'),
  serverHsIv: hex('5d313eb2671276ee13000b30'),
  clientHsKey: hex('dbfaa693d1762c5b666af5d950258d01'),
  clientHsIv: hex('5bd3c71b836e0b76bb73265f'),
  serverApKey: hex('9f02283b6c9c07efc26bb9f2ac92e356'),
  serverApIv: hex('cf782b88dd83549aadf1e984'),
  serverFinishedKey: hex('008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8'),
  clientHello: hex(`
    01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2
    1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01
    00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00
    0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00
    23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e
    43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00
    03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06
    04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c
    00 02 40 01`),
  serverHelloRecord: hex(`
    160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100
    002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304`),
  serverFlightRecord: hex(`
    17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca
    07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b
    d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c
    7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092
    8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8
    9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f
    4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3
    6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e
    1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c
    f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe
    5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb
    5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038
    ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278
    4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e
    750edc53370d2b`),
  clientFinishedRecord: hex(`
    170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c
    aeacab6867d726c40546`),
} as const;

/**
 * The same inputs run through the key schedule with the DTLS 1.3 label prefix "dtls13"
 * (RFC 9147 §5.9). Oracle: OpenSSL 3.0's TLS13-KDF (`openssl kdf ... -kdfopt prefix:dtls13
 * TLS13-KDF`, EXPAND_ONLY for each Derive-Secret and HKDF for each Extract), independent of this
 * package's code.
 */
export const DTLS13_ORACLE = {
  handshakeSecret: hex('ca3b00400dda5821d05b71540280b71dff23443b9bf31cb2c5ce0dd3f755e643'),
  clientHsTraffic: hex('0ac2c35eb415ee9574894b75d7a89af77aba06c2a783252418b7f5b78ddf8e21'),
  serverHsTraffic: hex('6d05b4d8ef3771d0b4dfa393174f6ab2a6be24b1e04616f335a49a8960c2865b'),
  masterSecret: hex('f7f6fb3779f75e7496ca68e2a332b8bbf1728dc0aa0b856b0e990a4a7eaf7c2b'),
  serverHsKey: hex('12f611f4342abaef95b288b8c8d3214f'),
  serverHsIv: hex('b591a94e51d6613c57230bf2'),
  serverHsSnKey: hex('ae97e68b65fce8c01138a0540e642193'),
  clientApTraffic: hex('bde222b5fbd46ed6672fbd446d0b4b6bab8f54ad5266f98383ce404c9f49551c'),
  exporterMaster: hex('966041b5faa05c0ddd6b7c5070f9d95920ca6add84572c7195a42947f9b1a45d'),
  /** TLS-Exporter("EXTRACTOR-dtls_srtp", "", 60) from exporterMaster. */
  srtpExport60: hex(
    'ee8aea0a9a7384167e2a61e688ea6ab1e4c6db2bcfe56de6191861041eeb05d4f258d4e9bbdfc6fbc56ea9e5a40c691b122b4b57befdec739d02d285',
  ),
} as const;
