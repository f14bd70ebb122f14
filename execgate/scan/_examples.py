"""Credentials that vendors, RFCs and libraries publish as examples: their documentation
pages, SDK READMEs, test suites and specification texts print them, so they are public and
inert, and copied into READMEs, tests and transcripts everywhere. Each value was found verbatim
where its entry says. Pure data; :mod:`._values` reads it."""

from __future__ import annotations

#: value -> (format, where it is published)
PUBLISHED_EXAMPLES: dict[str, tuple[str, str]] = {
    "AKIAIOSFODNN7EXAMPLE": (
        "aws_access_key_id",
        "aws/aws-cli: awscli/examples/codepipeline/get-job-details.rst",
    ),
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": (
        "aws_secret_access_key",
        "aws/aws-cli: awscli/examples/codepipeline/get-job-details.rst",
    ),
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY": (
        "aws_secret_access_key",
        "aws/aws-cli: awscli/examples/sts/get-session-token.rst",
    ),
    "ASIAIOSFODNN7EXAMPLE": (
        "aws_access_key_id",
        "aws/aws-cli: awscli/examples/sts/get-session-token.rst",
    ),
    "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/LTo6UDdyJwOOvEVPvLXCrrrUtdnniCEXAMPLE/IvU1dYUg2RVAJBanLiHb4IgRmpRV3zrkuWJOgQs8IZZaIv2BXIa2R4OlgkBN9bkUDNCJiBeb/AXlzBBko7b15fjrBs2+cTQtpZ3CYWFXG8C5zqx37wnOE49mRl/+OtkIKGO7fAE": (
        "aws_session_token",
        "aws/aws-cli: awscli/examples/sts/get-session-token.rst",
    ),
    "AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLEbw/m3hsj8VBTkPORGvr9jM5sgP+w9IZWZnU+LWhmg+a5fDi2oTGUYcdg9uexQ4mtCHIHfi4citgqZTgco40Yqr4lIlo4V2b2Dyauk0eYFNebHtYlFVgAUj+7Indz3LU0aTWk1WKIjHmmMCIoTkyYp/k7kUG7moeEYKSitwQIi6Gjn+nyzM+PtoA3685ixzv0R7i5rjQi0YE0lf1oeie3bDiNHncmzosRM6SFiPzSvp6h/32xQuZsjcypmwsPSDtTPYcs0+YN/8BRi2/IcrxSpnWEXAMPLEXSDFTAQAM6Dl9zR0tXoybnlrZIwMLlMi1Kcgo5OytwU=": (
        "aws_session_token",
        "aws/aws-cli: awscli/examples/sts/assume-role.rst",
    ),
    "ASIAJEXAMPLEXEG2JICEA": (
        "aws_access_key_id",
        "aws/aws-cli: awscli/examples/sts/assume-role.rst",
    ),
    "9drTJvcXLB89EXAMPLELB8923FB892xMFI": (
        "aws_secret_access_key",
        "aws/aws-cli: awscli/examples/sts/assume-role.rst",
    ),
    "ASIAV3ZUEFP6EXAMPLE": (
        "aws_access_key_id",
        "aws/aws-cli: awscli/examples/sts/assume-role-with-saml.rst",
    ),
    "8P+SQvWIuLnKhh8d++jpw0nNmQRBZvNEXAMPLEKEY": (
        "aws_secret_access_key",
        "aws/aws-cli: awscli/examples/sts/assume-role-with-saml.rst",
    ),
    "IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uGQE1z0sINr5M4jk+Na8KHDcCYRVjJCZEvOAiEA3OvJGtw1EcViOleS2vhs8VdCKFJQWPQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==": (
        "aws_session_token",
        "aws/aws-cli: awscli/examples/sts/assume-role-with-saml.rst",
    ),
    "EXAMPLEpZ2luX2VjEGoaCXVzLXdlc3QtMiJIMEYCIQC/W9pL5ArQyDD5JwFL3/h5+WGopQ24GEXweNctwhi9sgIhAMkg+MZE35iWM8s4r5Lr25f9rSTVPFH98G42QQunWMTfKq0DCOP//////////wEQAxoMNDUyOTI1MTcwNTA3Igxuy3AOpuuoLsk3MJwqgQPg8QOd9HuoClUxq26wnc/nm+eZLjHDyGf2KUAHK2DuaS/nrGSEXAMPLE": (
        "aws_session_token",
        "aws/aws-cli: awscli/examples/sts/get-federation-token.rst",
    ),
    "AKIAI44QH8DHBEXAMPLE": (
        "aws_access_key_id",
        "aws/aws-cli: awscli/examples/iam/list-access-keys.rst",
    ),
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY": (
        "aws_secret_access_key",
        "aws/aws-cli: awscli/examples/chime/update-bot.rst",
    ),
    "AKIDEXAMPLE": ("aws_access_key_id", "boto/botocore: tests/unit/auth/test_sigv4.py"),
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY": (
        "aws_secret_access_key",
        "boto/botocore: tests/unit/auth/test_sigv4.py",
    ),
    "AIDACKCEVSQ6C2EXAMPLE": (
        "aws_unique_id",
        "aws/aws-cli: awscli/examples/ecs/create-service.rst",
    ),
    "AKIDPMS9RO4H3FEXAMPLE": (
        "aws_access_key_id",
        "aws/aws-cli: awscli/examples/iam/delete-access-key.rst",
    ),
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTczNjI5MjEyNH0.": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.owv7q9nVbW5tqUezF_G2nHTra-ANW3HqW9epyVwh08Y-Z-FKsnG8eBIpC4GTfTVU": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.ANCf_8p1AE4ZQs7QuqGAyyfTEgYrKSjKWkhBk5cIn1_2QVr2jEjmM-1tu7EgnyOf_fAsvdFXva8Sv05iTGzETg": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.NHVaYe26MbtOYhSKkoKYdFVomg4i8ZJd8_-RU8VNbftc4TSMb4bXP3l3YlNWACwyXPGffz5aXHc6lty1Y2t4SWRqGteragsVdZufDn5BlnJl9pdR_kdVFUsra2rWKEofkZeIC4yWytE58sMIihvo9H1ScmmVwBcQP6XETqYd0aSHp1gOa9RdUPDvoXQ5oqygTqVtxaDr6wUFKrKItgBMzWIdNZ6y7O9E0DhEPTbE9rfBo6KTFsHAZnMg4k68CDp2woYIaXbmYTWcvbzIuHO7_37GT79XdIwkm95QJ7hYC9RiwrV7mesbY4PAahERJawntho0my942XheVLmGwLMBkQ": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.o1hC1xYbJolSyh0-bOY230w22zEQSk5TiBfc-OCvtpI2JtYlW-23-8B48NpATozzMHn0j3rE0xVUldxShzy0xeJ7vYAccVXu2Gs9rnTVqouc-UZu_wJHkZiKBL67j8_61L6SXswzPAQu4kVDwAefGf5hyYBUM-80vYZwWPEpLI8K4yCBsF6I9N1yQaZAJmkMp_Iw371Menae4Mp4JusvBJS-s6LrmG2QbiZaFaxVJiW8KlUkWyUCns8-qFl5OMeYlgGFsyvvSHvXCzQrsEXqyCdS4tQJd73ayYA4SPtCb9clz76N1zE5WsV4Z0BYrxeb77oA7jJhh994RAPzCG0hmQ": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.jYW04zLDHfR1v7xdrW3lCGZrMIsVe0vWCfVkN2DRns2c3MN-mcp_-RE6TN9umSBYoNV-mnb31wFf8iun3fB6aDS6m_OXAiURVEKrPFNGlR38JSHUtsFzqTOj-wFrJZN4RwvZnNGSMvK3wzzUriZqmiNLsG8lktlEn6KA4kYVaM61_NpmPHWAjGExWv7cjHYupcjMSmR8uMTwN5UuAwgW6FRstCJEfoxwb0WKiyoaSlDuIiHZJ0cyGhhEmmAPiCwtPAwGeaL1yZMcp0p82cpTQ5Qb-7CtRov3N4DcOHgWYk6LomPR5j5cCkePAz87duqyzSMpCB0mCOuE3CU2VMtGeQ": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.tyh-VfuzIxCyGYDlkBA7DfyjrqmSHu6pQ2hoZuFqUSLPNY2N0mpHb3nk5K17HWP_3cYHBw7AhHale5wky6-sVA": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.VUPWQZuClnkFbaEKCsPy7CZVMh5wxbCSpaAWFLpnTe9J0--PzHNeTFNXCrVHysAa3eFbuzD8_bLSsgTKC8SzHxRVSj5eN86vBPo_1fNfE7SHTYhWowjY4E_wuiC13yoj": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.AbVUinMiT3J_03je8WTOIl-VdggzvoFgnOsdouAs-DLOtQzau9valrq-S6pETyi9Q18HH-EuwX49Q7m3KC0GuNBJAc9Tksulgsdq8GqwIqZqDKmG7hNmDzaQG1Dpdezn2qzv-otf3ZZe-qNOXUMRImGekfQFIuH_MjD2e8RZyww6lbZk": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.iOeNU4dAFFeBwNj6qdhdvm-IvDQrTa6R22lQVJVuWJxorJfeQww5Nwsra0PjaOYhAMj9jNMO5YLmud8U7iQ5gJK2zYyepeSuXhfSi8yjFZfRiSkelqSkU19I-Ja8aQBDbqXf2SAWA8mHF8VS3F08rgEaLCyv98fLLH4vSvsJGf6ueZSLKDVXz24rZRXGWtYYk_OYYTVgR1cg0BLCsuCvqZvHleImJKiWmtS0-CymMO4MMjCy_FIl6I56NqLE9C87tUVpo1mT-kbg5cHDD8I7MjCW5Iii5dethB4Vid3mZ6emKjVYgXrtkOQ-JyGMh6fnQxEFN1ft33GX2eRHluK9eg": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJQUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.Lfe_aCQme_gQpUk9-6l9qesu0QYZtfdzfy08w8uqqPH_gnw-IVyQwyGLBHPFBJHMbifdSMxPjJjkCD0laIclhnBhowILu6k66_5Y2z78GHg8YjKocAvB-wSUiBhuV6hXVxE5emSjhfVz2OwiCk2bfk2hziRpkdMvfcITkCx9dmxHU6qcEIsTTHuH020UcGayB1-IoimnjTdCsV1y4CMr_ECDjBrqMdnontkqKRIM1dtmgYFsJM6xm7ewi_ksG_qZHhaoBkxQ9wq9OVQRGiSZYowCp73d2BF3jYMhdmv2JiaUz5jRvv6lVU7Quq6ylVAlSPxeov9voYHO1mgZFCY1kQ": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJQUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.J5W09-rNx0pt5_HBiydR-vOluS6oD-RpYNa8PVWwMcBDQSXiw6-EPW8iSsalXPspGj3ouQjAnOP_4-zrlUUlvUIt2T79XyNeiKuooyIFvka3Y5NnGiOUBHWvWcWp4RcQFMBrZkHtJM23sB5D7Wxjx0-HFeNk-Y3UJgeJVhg5NaWXypLkC4y0ADrUBfGAxhvGdRdULZivfvzuVtv6AzW6NRuEE6DM9xpoWX_4here-yvLS2YPiBTZ8xbB3axdM99LhES-n52lVkiX5AWg2JJkEROZzLMpaacA_xlbUz_zbIaOaoqk8gB5oO7kI6sZej3QAdGigQy-hXiRnW_L98d4GQ": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.IiFCYED1bkN9FL4H3UG884v2Wxmp_0SDfaaaRipa2N1QcjevsxA0WNRYnFMqPHf4tpNw93fL7PZs4az9kH0NBQ": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "a-string-secret-at-least-256-bits-long": (
        "jwt_hmac_secret",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "a-valid-string-secret-that-is-at-least-384-bits-long": (
        "jwt_hmac_secret",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "a-valid-string-secret-that-is-at-least-512-bits-long-which-is-very-long": (
        "jwt_hmac_secret",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "pOaNpLq2QrwGU9cKVNDa-nP83q7EN5LfmZempqyqyRWVoCJ2CD-xaqmNcNtev3ei0gwuVawz5fQKowOBJcp6MtLaPHgYOMjVlNeD77QAwnywnvilbNUM5-YIRD_vBezf5xudeEquI7xnTfqr3ZBzX43ztIjfyeQZrQAEf0I3zceZCq3h8HtR0fO4hF7-Z7Y8aEirlkHOPqHcGmg8bMQ_7HeX1iYry3_Vw3Smoj51DBh2B8aNpyQu7_aofzQwIXsjJBqx5lQ4nIqsIu1IP8iLG_-HMMRQ984KMUOBOnN_dzC1rz6gTjAcKjWIjX_hOU-TCZfHipJe2bDhpA_PsgNC8Q": (
        "jwk_private_d",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "evZzL1gdAFr88hb2OF_2NxApJCzGCEDdfSp6VQO30hw": (
        "jwk_private_d",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "gB6RUOtkJxghL2If6RPUJkdQvWi3AyLUW7JW5oXp_4dbbfAMjIbJHnp0_qwMsj4R": (
        "jwk_private_d",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "AYsgGu2kRxQwodqoGvbE1BiDROYxwBZ5jPMVnk_7p4uSOLTaoVeV8dKQ65glfZm66BbXxGtF1XyrjAMcX2eizP8i": (
        "jwk_private_d",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "XERvYju0-4q-KFXg-ADnkcPIyhU8ezanT-eok4F64YY": (
        "jwk_private_d",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io@20d176e474fc: src/editor/default-tokens.js",
    ),
    "your-256-bit-secret": (
        "jwt_hmac_secret",
        "jsonwebtoken/jsonwebtoken.github.io@20d176e474fc: src/editor/default-tokens.js",
    ),
    "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.bQTnz6AuMJvmXXQsVPrxeQNvzDkimo7VNXxHeSBfClLufmCVZRUuyTwJF311JHuh": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io@20d176e474fc: src/editor/default-tokens.js",
    ),
    "your-384-bit-secret": (
        "jwt_hmac_secret",
        "jsonwebtoken/jsonwebtoken.github.io@20d176e474fc: src/editor/default-tokens.js",
    ),
    "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.VFb0qJ1LRg_4ujbZoRMXnVkUgiuKq5KxWqNdbKq_G9Vvz-S1zZa9LPxtHWKa64zDl2ofkT8F6jBt_K4riU-fPg": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io@20d176e474fc: src/editor/default-tokens.js",
    ),
    "your-512-bit-secret": (
        "jwt_hmac_secret",
        "jsonwebtoken/jsonwebtoken.github.io@20d176e474fc: src/editor/default-tokens.js",
    ),
    "2YotnFZFEjr1zCsicMWpAA": (
        "oauth2_access_token",
        "oauthlib/oauthlib: oauthlib/oauth2/rfc6749/parameters.py",
    ),
    "tGzv3JOkF0XG5Qx2TlKWIA": (
        "oauth2_refresh_token",
        "oauthlib/oauthlib: oauthlib/oauth2/rfc6749/parameters.py",
    ),
    "SplxlOBeZQQYbYS6WxSbIA": (
        "oauth2_authorization_code",
        "oauthlib/oauthlib: oauthlib/oauth2/rfc6749/parameters.py",
    ),
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW": (
        "basic_auth",
        "oauthlib/oauthlib: oauthlib/oauth2/rfc6749/clients/base.py",
    ),
    "mF_9.B5f-4.1JqM": (
        "oauth2_bearer_token",
        "oauthlib/oauthlib: oauthlib/oauth2/rfc6749/clients/base.py",
    ),
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk": (
        "oauth_pkce_code_verifier",
        "oauthlib/oauthlib: tests/oauth2/rfc6749/grant_types/test_authorization_code.py",
    ),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM": (
        "oauth_pkce_code_challenge",
        "oauthlib/oauthlib: tests/oauth2/rfc6749/grant_types/test_authorization_code.py",
    ),
    "9djdj82h48djs9d2": (
        "oauth1_consumer_key",
        "oauthlib/oauthlib: tests/oauth1/rfc5849/test_signatures.py",
    ),
    "kkk9d7dh3k39sjv7": (
        "oauth1_token",
        "oauthlib/oauthlib: tests/oauth1/rfc5849/test_signatures.py",
    ),
    "QWxhZGRpbjpvcGVuIHNlc2FtZQ==": ("basic_auth", "httpwg/http-core: preRFC723x/orig/rfc2617.xml"),
    "dGVzdDoxMjPCow==": ("basic_auth", "tornadoweb/tornado: tornado/test/httpclient_test.py"),
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk": (
        "jwt",
        "golang-jwt/jwt: hmac_test.go",
    ),
    "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.": (
        "jwt",
        "jsonwebtoken/jsonwebtoken.github.io: tests/jwt.service.test.ts",
    ),
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow": (
        "jwk_symmetric_key",
        "panva/jose: cookbook/jws.mjs",
    ),
    "GawgguFyGrWKav7AX4VKUg": ("jwk_symmetric_key", "latchset/jwcrypto: jwcrypto/tests.py"),
    "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE": (
        "jwk_private_d",
        "latchset/jwcrypto: jwcrypto/tests.py",
    ),
    "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7d": (
        "jwk_private_d",
        "latchset/jwcrypto: jwcrypto/tests.py",
    ),
    "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A": (
        "jwk_private_d",
        "latchset/jwcrypto: jwcrypto/tests.py",
    ),
    "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg": (
        "jwk_symmetric_key",
        "latchset/jwcrypto: jwcrypto/tests-cookbook.py",
    ),
    "cf136dc3c1fc93f31185e5885805d": (
        "oauth2_client_secret",
        "copied in 10+ public repositories; https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1",
    ),
    "this.is.an.access.token.value.ffx83": (
        "oauth2_registration_access_token",
        "copied in 10+ public repositories; https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1",
    ),
    "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS": (
        "oauth2_device_code",
        "copied in 10+ public repositories; https://www.rfc-editor.org/rfc/rfc8628#section-3.2",
    ),
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw": (
        "jwt",
        "lestrrat-go/jwx: jws/jws_test.go",
    ),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0": (
        "supabase_anon_jwt",
        "supabase/cli: apps/cli-go/docs/templates/examples.yaml",
    ),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU": (
        "supabase_service_role_jwt",
        "supabase/cli: apps/cli-go/docs/templates/examples.yaml",
    ),
    "super-secret-jwt-token-with-at-least-32-characters-long": (
        "supabase_jwt_secret",
        "supabase/cli: apps/cli-go/docs/templates/examples.yaml",
    ),
    "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH": (
        "supabase_publishable_key",
        "supabase/cli: apps/cli-go/pkg/config/apikeys.go",
    ),
    "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz": (
        "supabase_secret_key",
        "supabase/cli: apps/cli-go/pkg/config/apikeys.go",
    ),
    "625729a08b95bf1b7ff351a663f3a23c": (
        "supabase_local_s3_access_key",
        "supabase/cli: apps/cli/src/legacy/commands/status/SIDE_EFFECTS.md",
    ),
    "850181e4652dd023b7a98c58ae0d2d34bd487ee0cc3254aed6eda37307425907": (
        "supabase_local_s3_secret_key",
        "supabase/cli: apps/cli-go/pkg/config/config.go",
    ),
    "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy": (
        "slack_bot_token",
        "slackapi/bolt-python: tests/mock_web_api_server/mock_handler.py",
    ),
    "xoxp-23984754863-2348975623103": (
        "slack_user_token",
        "copied in 10+ public repositories; https://api.slack.com/methods/oauth.access",
    ),
    "8f742231b10e8888abcd99yyyzzz85a5": (
        "slack_signing_secret",
        "slackapi/python-slack-sdk: tests/signature/test_signature_verifier.py",
    ),
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503": (
        "slack_request_signature",
        "slackapi/python-slack-sdk: tests/signature/test_signature_verifier.py",
    ),
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX": (
        "slack_webhook_url",
        "slackapi/python-slack-sdk: docs/english/webhook.md",
    ),
    "xoxb-1234567890-1234567890123-5n38u5ed63fgzqlvuyxvxcx6": (
        "slack_bot_token",
        "argoproj/argo-cd: docs/operator-manual/notifications/services/slack.md",
    ),
    "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs": (
        "discord_bot_token",
        "discord/discord-api-docs: developers/reference.mdx",
    ),
    "https://discord.com/api/webhooks/347114750880120863/kKDdjXa1g9tKNs0-_yOwLyALC9gydEWP6gr9sHabuK1vuofjhQDDnlOclJeRIvYK-pj_": (
        "discord_webhook_url",
        "discord/discord-api-docs: developers/topics/oauth2.mdx",
    ),
    "kKDdjXa1g9tKNs0-_yOwLyALC9gydEWP6gr9sHabuK1vuofjhQDDnlOclJeRIvYK-pj_": (
        "discord_webhook_token",
        "discord/discord-api-docs: developers/topics/oauth2.mdx",
    ),
    "3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94526ff5d1bd4358d65cf11": (
        "discord_webhook_token",
        "discord/discord-api-docs: developers/resources/webhook.mdx",
    ),
    "6qrZcUqja7812RVdnEKjpzOL4CvHBFG": (
        "discord_oauth_access_token",
        "discord/discord-api-docs: developers/topics/oauth2.mdx",
    ),
    "D43f5y0ahjqew82jZ4NViEr2YafMKhue": (
        "discord_oauth_refresh_token",
        "discord/discord-api-docs: developers/topics/oauth2.mdx",
    ),
    "zMndOe7jFLXGawdlxMOdNvXjjOce5X": (
        "discord_oauth_access_token",
        "discord/discord-api-docs: developers/topics/oauth2.mdx",
    ),
    "937it3ow87i4ery69876wqire": (
        "discord_client_secret",
        "discord/discord-api-docs: developers/discord-social-sdk/development-guides/provisional-accounts/merging-accoun",
    ),
    "AGE-SECRET-KEY-1N9JEPW6DWJ0ZQUDX63F5A03GX8QUW7PXDE39N8UYF82VZ9PC8UFS3M7XA9": (
        "age_secret_key",
        "FiloSottile/age: doc/age-keygen.1.ronn",
    ),
    "AGE-SECRET-KEY-1KTYK6RVLN5TAPE7VF6FQQSKZ9HWWCDSKUGXXNUQDWZ7XXT5YK5LSF3UTKQ": (
        "age_secret_key",
        "FiloSottile/age: doc/age.1.ronn",
    ),
    "AGE-SECRET-KEY-184JMZMVQH3E6U0PSL869004Y3U2NYV7R30EU99CSEDNPH02YUVFSZW44VU": (
        "age_secret_key",
        "FiloSottile/age: testdata/example_keys.txt",
    ),
    "ghp_PersonalAccessToken01245678900000000": (
        "github_pat_classic",
        "nektos/act: pkg/runner/testdata/actions/node20/node_modules/@octokit/auth-token/README.md",
    ),
    "ghs_InstallallationOrActionToken00000000": (
        "github_server_token",
        "nektos/act: pkg/runner/testdata/actions/node20/node_modules/@octokit/auth-token/README.md",
    ),
    "ghu_InstallationUserToServer000000000000": (
        "github_user_to_server_token",
        "nektos/act: pkg/runner/testdata/actions/node20/node_modules/@octokit/auth-token/README.md",
    ),
    "key-3ax6xnjp29jd6fds4gc373sgvjxteol0": (
        "mailgun_api_key",
        "mailgun/documentation@1db2c451810b: source/api-intro.rst",
    ),
    "pubkey-5ogiflzbnjrljiky49qxsiozqef5jxp7": (
        "mailgun_public_validation_key",
        "mailgun/documentation: source/samples/get-validate-deprecated.rst",
    ),
    "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw": (
        "telegram_bot_token",
        "copied in 10+ public repositories; https://core.telegram.org/bots/features#botfather",
    ),
    "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11": (
        "telegram_bot_token",
        "copied in 10+ public repositories; https://core.telegram.org/bots/api#authorizing-your-bot",
    ),
    "dapi1234567890ab1cde2f3ab456c7d89efa": (
        "databricks_pat",
        "copied in 10+ public repositories; Databricks/Azure",
    ),
    "https://examplePublicKey@o0.ingest.sentry.io/0": (
        "sentry_dsn",
        "getsentry/sentry-python: CHANGELOG.md",
    ),
    "https://12927b5f211046b575ee51fd8b1ac34f@o1.ingest.sentry.io/1": (
        "sentry_dsn",
        "getsentry/sentry-python: README.md",
    ),
    "Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY": (
        "cloudflare_api_token",
        "cloudflare/cloudflare-go: README.md",
    ),
    "144c9defac04969c7bfad8efaa8ea194": (
        "cloudflare_global_api_key",
        "cloudflare/cloudflare-go: accounts/account_test.go",
    ),
    "YQSn-xWAQiiEh9qM58wZNnyQS7FUdoqGIUAbrh7T": (
        "cloudflare_api_token",
        "copied in 10+ public repositories; https://developers.cloudflare.com/fundamentals/api/get-started/create-token",
    ),
    "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI": (
        "recaptcha_site_key",
        "torchbox/django-recaptcha: django_recaptcha/constants.py",
    ),
    "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe": (
        "recaptcha_secret_key",
        "torchbox/django-recaptcha: django_recaptcha/constants.py",
    ),
    "1x0000000000000000000000000000000AA": (
        "cloudflare_turnstile_secret",
        "copied in 10+ public repositories; https://developers.cloudflare.com/turnstile/troubleshooting/testing/",
    ),
    "pk.eyJ1IjoibWFwYm94IiwiYSI6ImNpejY4M29iazA2Z2gycXA4N2pmbDZmangifQ.-g_vE53SD2WrJ6tFX7QHmA": (
        "mapbox_public_token",
        "copied in 10+ public repositories; Mapbox",
    ),
    "6be0576ff61c053d5f9a3225e2a90f76": (
        "algolia_search_api_key",
        "algolia/autocomplete: examples/html-templates/app.js",
    ),
    "gho_16C7e42F292c6912E7710c838347Ae178B4a": (
        "github_oauth_token",
        "github/docs: content/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.md@029b09ac7206",
    ),
    "3584d83530557fdd1f46af8289938c8ef79f9dc5": (
        "github_device_code",
        "github/docs: content/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.md@029b09ac7206",
    ),
    "ghu_16C7e42F292c6912E7710c838347Ae178B4a": (
        "github_user_to_server_token",
        "copied in 10+ public repositories; https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-",
    ),
    "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498": (
        "github_refresh_token",
        "copied in 10+ public repositories; https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-",
    ),
    "r1.c1b4a2e77838347a7e420ce178f2e7c6912e169246c34e1ccbf66c46812d16d5b1a9dc86a149873c": (
        "github_refresh_token_legacy",
        "copied in 10+ public repositories; github/docs",
    ),
    "e72e16c7e42f292c6912e7710c838347ae178b4a": (
        "github_oauth_token_legacy",
        "copied in 10+ public repositories; github/docs",
    ),
    "ghs_16C7e42F292c6912E7710c838347Ae178B4a": (
        "github_server_token",
        "external-secrets/external-secrets: generators/v1/github/github_test.go",
    ),
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a": (
        "github_pat_classic",
        "copied in 10+ public repositories; ghp_ variant of GitHub docs' example token gho_16C7e42F292c6",
    ),
    "9koXpg98eAheJpvBs5tK": ("gitlab_private_token", "copied in 10+ public repositories; GitLab"),
    "ggbfKkC4n-Lujy8jwCR2": (
        "gitlab_personal_access_token",
        "copied in 10+ public repositories; GitLab",
    ),
    "JVNSESs8EwWRx5yDxM5q": (
        "gitlab_private_token",
        "python-gitlab/python-gitlab: docs/api-usage.rst",
    ),
    "glpat-JVNSESs8EwWRx5yDxM5q": (
        "gitlab_personal_access_token",
        "python-gitlab/python-gitlab: docs/api-usage-graphql.rst",
    ),
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==": (
        "azure_storage_account_key",
        "Azure/Azurite: README.md",
    ),
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==": (
        "azure_cosmosdb_key",
        "testcontainers/testcontainers-java: modules/azure/src/main/java/org/testcontainers/containers/CosmosDBEmulator",
    ),
    "Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboXr1P9ZUXDtkk%3D": (
        "azure_sas_signature",
        "copied in 10+ public repositories; Microsoft",
    ),
    "Q3AM3UQ867SPQQA43P2F": ("s3_access_key", "minio/minio: docs/bucket/versioning/README.md"),
    "zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG": (
        "s3_secret_key",
        "minio/minio: docs/bucket/versioning/README.md",
    ),
    "AIzaSyDOCAbC123dEf456GhI789jKl01-MnO": (
        "gcp_api_key",
        "copied in 10+ public repositories; https://firebase.google.com/docs/web/setup",
    ),
    "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO": (
        "gcp_api_key",
        "copied in 10+ public repositories; Google",
    ),
    "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0": (
        "gcp_api_key",
        "firebase/firebase-android-sdk: firebase-common/src/androidTest/java/com/google/firebase/FirebaseAppTest.java",
    ),
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw": (
        "gcp_api_key",
        "firebase/firebase-android-sdk: firebase-perf/src/test/java/com/google/firebase/perf/FirebasePerformanceTestBas",
    ),
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g": (
        "gcp_api_key",
        "firebase/firebase-android-sdk: firebase-messaging/src/test/java/com/google/firebase/messaging/testing/Messagin",
    ),
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs": (
        "gcp_api_key",
        "firebase/firebase-android-sdk: firebase-installations/src/test/java/com/google/firebase/installations/Firebase",
    ),
    "itsasecrettoeveryone": (
        "gcp_oauth_client_secret",
        "googleapis/google-auth-library-python: tests/data/client_secrets.json",
    ),
    "1/fFAGRNJru1FTz70BzhT3Zg": (
        "google_oauth_access_token",
        "copied in 10+ public repositories; https://developers.google.com/identity/protocols/oauth2/web-server",
    ),
    "1/xEoDL4iW3cxlI7yDbSRFYNG01kVKM2C-259HOF2aQbI": (
        "google_oauth_refresh_token",
        "copied in 10+ public repositories; https://developers.google.com/identity/protocols/oauth2/web-server",
    ),
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc": (
        "stripe_secret_key",
        "sirwart/ripsecrets:src/matcher/p_random.rs",
    ),
    "pk_test_TYooMQauvdEDq54NiTphI7jx": (
        "stripe_publishable_key",
        "sirwart/ripsecrets: src/matcher/p_random.rs",
    ),
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2": ("stripe_secret_key", "stripe/stripe-php: README.md"),
    "pk_test_6pRNASCoBOKtIshFeQd4XMUh": (
        "stripe_publishable_key",
        "copied in 10+ public repositories; Stripe",
    ),
    "sk_test_26PHem9AhJZvU623DfE1x4sd": (
        "stripe_secret_key",
        "copied in 10+ public repositories; Stripe",
    ),
    "vtUQeOtUnYr7PGCLQ96Ul4zqpDUO4sOE": (
        "stripe_secret_key_legacy",
        "https://www.bram.us/2012/12/05/strip/ (quotes Stripe's 2012 homepage example)",
    ),
    "whsec_0000000000000000000000000000000000000000000000000000000000000000": (
        "stripe_webhook_secret",
        "stripe/stripe-node: examples/webhook-signing/.env.example",
    ),
    "xvz1evFS4wEEPTGEFPHBog": (
        "twitter_consumer_key",
        "copied in 10+ public repositories; https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signat",
    ),
    "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw": (
        "twitter_consumer_secret",
        "copied in 10+ public repositories; https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signat",
    ),
    "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb": (
        "twitter_access_token",
        "copied in 10+ public repositories; https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signat",
    ),
    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE": (
        "twitter_access_token_secret",
        "copied in 10+ public repositories; https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signat",
    ),
    "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg": (
        "paypal_access_token",
        "copied in 10+ public repositories; https://developer.paypal.com/api/rest/authentication/",
    ),
    "4-v3ry-53cr37-p455w0rd": ("database_password", "copied in 10+ public repositories; Terraform"),
    "thisIsDog11": (
        "database_password",
        "gitleaks/gitleaks: cmd/generate/config/rules/hashicorp.go",
    ),
    "hvs.CAESIJRM-T1q5lEjIWux1Tjx-VGqAYJdd4FZtbp1wpD5Ym9pGh4KHGh2cy5TSjRndGoxaU44NzNscm5MSlRLQXZ0ZGg": (
        "vault_service_token",
        "copied in 10+ public repositories; https://developer.hashicorp.com/vault/tutorials/tokens/tokens#tokens-with-u",
    ),
    "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX": ("twilio_account_sid", "twilio/twilio-python: README.md"),
    "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": (
        "twilio_account_sid",
        "twilio/twilio-python: advanced-examples/custom-http-client.md",
    ),
    "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": (
        "twilio_account_sid",
        "twilio/twilio-python: tests/unit/base/test_version.py",
    ),
    "postgresql://scott:tiger@localhost/mydatabase": (
        "database_url",
        "sqlalchemy/sqlalchemy: doc/build/core/engines.rst",
    ),
    "postgresql+psycopg2://scott:tiger@localhost/test": (
        "database_url",
        "sqlalchemy/sqlalchemy: doc/build/changelog/whatsnew_20.rst",
    ),
    "mysql+mysqldb://scott:tiger@localhost/test": (
        "database_url",
        "sqlalchemy/sqlalchemy: doc/build/changelog/changelog_06.rst",
    ),
    "oracle+oracledb://scott:tiger@localhost:1521": (
        "database_url",
        "sqlalchemy/sqlalchemy: doc/build/core/pooling.rst",
    ),
    "mssql+pyodbc://scott:tiger@mydsn": (
        "database_url",
        "sqlalchemy/sqlalchemy: doc/build/core/engines.rst",
    ),
    "postgresql+asyncpg://scott:tiger@localhost/test": (
        "database_url",
        "sqlalchemy/sqlalchemy: doc/build/orm/extensions/asyncio.rst",
    ),
    "mongodb://myDBReader:D1fficultP%40ssw0rd@mongodb0.example.com:27017/?authSource=admin": (
        "database_url",
        "copied in 10+ public repositories; https://www.mongodb.com/docs/manual/reference/connection-string/",
    ),
    "postgresql://johndoe:randompassword@localhost:5432/mydb?schema=public": (
        "database_url",
        "copied in 10+ public repositories; Prisma",
    ),
    "mongodb://root:example@mongo:27017/": (
        "database_url",
        "docker-library/docs: mongo/compose.yaml",
    ),
    "mysecretpassword": ("database_password", "docker-library/docs: postgres/content.md"),
    "my-secret-pw": ("database_password", "docker-library/docs: mysql/content.md"),
    "postgresql://postgres:postgres@127.0.0.1:54322/postgres": (
        "database_url",
        "supabase/cli: apps/cli-go/docs/templates/examples.yaml",
    ),
    "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf": (
        "flask_secret_key",
        "pallets/flask: docs/config.rst",
    ),
    "5f352379324c22463451387a0aec5d2f": ("flask_secret_key", "pallets/flask: docs/config.rst"),
    "A3-ASWWYB-798JRYLJVD4-23DC2-86TVM-H43EB": (
        "1password_secret_key",
        "gitleaks/gitleaks: cmd/generate/config/rules/1password.go",
    ),
    "abcdef.0123456789abcdef": (
        "kubernetes_bootstrap_token",
        "kubernetes-sigs/kind: pkg/cluster/internal/kubeadm/const.go",
    ),
    "07401b.f395accd246ae52d": (
        "kubernetes_bootstrap_token",
        "copied in 10+ public repositories; https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstr",
    ),
    "MWYyZDFlMmU2N2Rm": (
        "kubernetes_secret_data",
        "secretlint/secretlint: packages/@secretlint/secretlint-rule-no-k8s-kind-secret/README.md",
    ),
    "b7d03a6947b217efb6f3ec3bd3504582": (
        "digitalocean_api_token",
        "copied in 10+ public repositories; DigitalOcean",
    ),
    "f85632530bf277ec9ac6f649fc327f17": (
        "shopify_access_token",
        "copied in 10+ public repositories; Shopify",
    ),
    "cf0e05d9-4eca-4948-a012-b91fe9704bab": (
        "heroku_api_key",
        "copied in 10+ public repositories; https://devcenter.heroku.com/articles/platform-api-quickstart#authenticatio",
    ),
    "secret_t1CdN9S8yicG5eWLUOfhcWaOscVnFXns": (
        "notion_integration_token",
        "copied in 10+ public repositories; https://developers.notion.com/reference/versioning",
    ),
    "9775a026f1ca7d1c6c5af9d94d9595a4": (
        "datadog_api_key",
        "ansible-collections/community.general: plugins/modules/datadog_monitor.py",
    ),
    "87ce4a24b5553d2e482ea8a8500e71b8ad4554ff": (
        "datadog_app_key",
        "ansible-collections/community.general: plugins/modules/datadog_monitor.py",
    ),
    "AIzaSyB41DRUbKWJHPxaFjMAwdrzWzbVKartNGg": (
        "gcp_api_key",
        "googlemaps/js-samples: dist/samples/add-map/app/index.html",
    ),
    "cfabdegwdoklmawdzdo98xt2fo512y": (
        "twitch_oauth_token",
        "copied in 10+ public repositories; https://dev.twitch.tv/docs/api/reference",
    ),
    "uo6dggojyb8d6soh92zknwmi5ej1q2": (
        "twitch_client_id",
        "copied in 10+ public repositories; https://dev.twitch.tv/docs/api/reference",
    ),
    "+oaFsNk7tLco+C/obP9GhhcOzGcKOayTmE3LnAmAmH4=": (
        "aws_iam_service_specific_password",
        "aws/aws-cli: awscli/examples/iam/reset-service-specific-credential.rst",
    ),
    "k1zPZM6uVxMQ3oxqgoYlNuJPyRTZ1vREs76zTQE3eJk=": (
        "aws_iam_service_specific_password",
        "aws/aws-cli: awscli/examples/iam/create-service-specific-credential.rst",
    ),
    "a73c9572-f1b9-8983-983d-ba3ac3cc913d": (
        "npm_token_legacy",
        "npm/cli: docs/lib/content/commands/npm-token.md",
    ),
    "eyJrIjoiT0tTcG1pUlY2RnVKZTFVaDFsNFZXdE9ZWmNrMkZYbk": (
        "grafana_api_key",
        "copied in 10+ public repositories; Grafana",
    ),
    "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": (
        "huggingface_token",
        "huggingface/huggingface_hub: tests/testing_constants.py",
    ),
    "hf_HubCITokenXXXXXXXXXXXXXXXXXXXXX": (
        "huggingface_token",
        "huggingface/huggingface_hub: tests/testing_constants.py",
    ),
    "pypi-AgENdGVzdC5weXBpLm9yZwIkNDgzYTFhMjEtMzEwYi00NTkzLTkwMzYtYzc1Zjg4NmFiMjllAAJEeyJwZXJtaXNzaW9ucyI6IHsicHJvamVjdHMiOiBbInR3aW5lLXNhbXBsZXByb2plY3QiXX0sICJ2ZXJzaW9uIjogMX0AAAYg2kBZ1tN8lj8dlmL3ScoVvr_pvQE0t6PKqigoYJKvw3M": (
        "pypi_api_token",
        "pypa/twine: tests/test_integration.py",
    ),
    "ZnJlZDpmcmVk": (
        "basic_auth",
        "copied in 10+ public repositories; https://developer.atlassian.com/server/jira/platform/basic-authentication/",
    ),
    "tiger": (
        "database_password",
        "the password of postgresql+asyncpg://scott:tiger@localhost/test",
    ),
    "D1fficultP%40ssw0rd": (
        "database_password",
        "the password of mongodb://myDBReader:D1fficultP%40ssw0rd@mongodb0.example.com:27017/?authSource=",
    ),
    "randompassword": (
        "database_password",
        "the password of postgresql://johndoe:randompassword@localhost:5432/mydb?schema=public",
    ),
    "example": ("database_password", "the password of mongodb://root:example@mongo:27017/"),
    "postgres": (
        "database_password",
        "the password of postgresql://postgres:postgres@127.0.0.1:54322/postgres",
    ),
}

#: The first characters of published example private keys' bodies (RFCs' and libraries'
#: test keys): a PEM block whose body starts so is the example, printed again.
PUBLISHED_KEY_BODIES: tuple[tuple[str, str], ...] = (
    (
        "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQC7VJTUt9Us8cKj",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    (
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    (
        "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCAHpFQ62QnGCEvYh/p",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    (
        "MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBiyAa7aRHFDCh2qga",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    (
        "MC4CAQAwBQYDK2VwBCIEIFxEb2I7tPuKvihV4PgA55HDyMoVPHs2p0/nqJOBeuGG",
        "jsonwebtoken/jsonwebtoken.github.io: src/features/common/values/default-tokens.values.ts",
    ),
    (
        "MIIEpAIBAAKCAQEA4ej0p7bQ7L/r4rVGUz9RN4VQWoej1Bg1mYWIDYslvKrk1gpj",
        "googleapis/google-auth-library-python: tests/data/privatekey.pem",
    ),
    (
        "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC",
        "copied in 10+ public repositories; https://www.rfc-editor.org/rfc/rfc8410#section-10.3",
    ),
    (
        "MIIEowIBAAKCAQEAsPnoGUOnrpiSqt4XynxA+HRP7S+BSObI6qJ7fQAVSPtRkqso",
        "copied in 10+ public repositories; https://www.rfc-editor.org/rfc/rfc9500#section-2.1",
    ),
    (
        "MHcCAQEEIObLW92AqkWunJXowVR2Z5/+yVPBaFHnEedDk5WJxk/BoAoGCCqGSM49",
        "copied in 10+ public repositories; https://www.rfc-editor.org/rfc/rfc9500#section-2.3",
    ),
    (
        "EXAMPLEBAAKCAQEA+AD3qeU2toBy5O5v7wnRLVo/tngVickL5+6Jf4tPrPeuoebM",
        "aws/aws-cli: awscli/examples/lightsail/get-instance-access-details.rst",
    ),
    (
        "MIIEowIABAKCAQEAqKpRgnn6yq26U3yt5YFZquyukfRjbMXDcNOK4rMCxDR",
        "aws/aws-cli: awscli/examples/greengrass/create-core-definition.rst",
    ),
)
