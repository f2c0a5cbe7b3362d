# Por qué se rechazó una solicitud, como lo dicen la API, la consola y las páginas.

error-sign-in-required = inicia sesión para continuar
error-forbidden = no tienes permiso para hacer esto
error-video-unavailable = el video no está disponible en este servidor ahora; inténtalo de nuevo en un minuto
error-not-found = { $what ->
        [visit] no se encontró esta visita
        [resident] no se encontró a esta persona
        [facility] no se encontró este centro
        [account] no se encontró esta cuenta
        [approval] no se encontró esta aprobación
        [blackout] no se encontró este cierre
        [housing_unit] no se encontró esta unidad de alojamiento
        [kiosk] no se encontró este quiosco
        [recording] no se encontró esta grabación
        [recording_file] no se encontró el archivo de esta grabación
        [ticket] no se encontró esta consulta
        [visitor] no se encontró a este visitante
        [page] aquí no hay ninguna página
       *[other] no se encontró
    }
error-not-approved = todavía no tienes aprobación para visitar a esta persona; pídela al centro
error-add-funds = fondos insuficientes: esta visita cuesta { $price } y tu saldo es { $balance }; agrega fondos y vuelve a intentarlo
error-idempotency-key-reused = esta Idempotency-Key ya se usó para otra solicitud
error-idempotency-key-text = el encabezado Idempotency-Key debe ser texto simple
error-idempotency-key-length = el encabezado Idempotency-Key debe tener de 1 a 200 caracteres visibles
error-bad-body = no se puede leer el cuerpo de la solicitud: { $detail }
error-bad-request = no se puede leer la solicitud: { $detail }
error-price-above-cap = { $fee } por { $increment } minutos son { $per_minute } por minuto, más que el tope de { $cap } para este centro
error-price-increment = el incremento de cobro debe ser de 15 o 30 minutos, no { $increment }
error-price-negative = la tarifa no puede ser negativa
error-price-no-cap = ningún tope de tarifa se aplica a este centro; ofrécela gratis o consulta al operador
error-amount-not-positive = el monto debe ser mayor que cero
error-amount-too-large = el monto es demasiado grande
error-cancel-started = esta visita ya empezó o terminó y ya no se puede cancelar
error-rule-kind = este centro no reserva este tipo de visita aquí
error-rule-length = esta duración de visita no se ofrece
error-rule-grid = las visitas deben empezar en los horarios del centro
error-rule-too-soon = este horario es demasiado pronto; reserva con más anticipación
error-rule-too-far = este horario está demasiado lejos
error-rule-hours = la visita queda fuera del horario de visitas
error-rule-blackout = no hay visitas en este período (cierre)
error-rule-resident-busy = la persona ya tiene una visita a esta hora
error-rule-visitor-busy = ya tienes una visita a esta hora
error-rule-no-kiosk = no hay ningún quiosco libre a esta hora
error-rule-no-lobby-kiosk = no hay ningún quiosco del vestíbulo libre a esta hora
error-rule-weekly-limit = la persona llegó al límite semanal de visitas
error-metrics-off = las métricas están apagadas; inicia el servidor con --metrics-token para leerlas
error-metrics-token = envía el token de métricas así: Authorization: Bearer <token>
error-cross-origin = esta solicitud vino de otro sitio y se rechazó; usa las páginas de este sitio
error-ticket-expired = este enlace a la visita venció o ya se usó; vuelve a abrir la visita
error-visit-over = esta visita terminó o se canceló
error-roster-csv = envía la lista en CSV (Content-Type: text/csv)
error-roster-too-large = el archivo de la lista pesa más de 5 MB
error-roster-utf8 = el archivo de la lista debe ser texto UTF-8
error-roster-line = línea { $line }: { $detail }
error-roster-duplicate = el número de reserva { $number } aparece más de una vez
error-roster-empty = la lista está vacía; un centro siempre tiene a alguien bajo custodia
error-roster-unknown-unit = número de reserva { $number }: no hay ninguna unidad llamada "{ $unit }"; créala primero
error-dates-order = la última fecha es anterior a la primera
error-dates-range = las fechas están fuera de rango
error-report-days = un informe abarca como máximo { $most } días
error-range-days = elige un rango de 1 a { $most } días, con 'from' antes de 'to'
error-range-42 = elige un rango de hasta 42 días, con 'from' antes de 'to'
error-link-expired = este enlace venció o ya se usó; inicia sesión y pide uno nuevo
error-locked-until = demasiadas contraseñas incorrectas: inténtalo de nuevo después de { $until } o restablece tu contraseña
error-on-site-visit = esta es una visita presencial: únete en el quiosco del vestíbulo del centro con tu código
error-privileged-visit = esta es una visita privilegiada (de abogado): no se puede observar ni grabar
error-pin-required = escribe tu PIN
error-wrong-pin = ese PIN no es correcto; inténtalo de nuevo
error-lobby-code-required = escribe el código de tu reserva
error-wrong-code = ninguna visita en este quiosco tiene ese código; revisa el correo de tu reserva
error-end-reason = di por qué se termina la visita
error-not-live = esta visita no está en curso; cancélala desde el horario
error-cancel-reason = da un motivo; el visitante lo verá
error-blackout-form = pon un inicio antes del final y un motivo
error-hours-parse = no se puede leer el horario "{ $part }": { $why ->
        [days-then-times] pon los días, un espacio y luego las horas
        [range-backwards] un rango de días debe ir hacia adelante, p. ej. mon-fri
        [unknown-day] día desconocido; usa mon, tue, wed, thu, fri, sat, sun
        [span-form] un tramo de horas es HH:MM-HH:MM
        [time-form] las horas son HH:MM, de 00:00 a 24:00
        [open-before-close] cada tramo debe abrir antes de cerrar
       *[no-hours] no se dio ningún horario
    }; escribe p. ej. "mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00"
error-notice-length = un aviso necesita de 1 a { $most } caracteres
error-notice-visit-over = esta visita terminó o se canceló; los avisos son para visitas próximas
error-try-again = eso no se completó; inténtalo de nuevo
error-deposit-range = agrega entre { $least } y { $most } cada vez
error-payment-declined = el pago fue rechazado y no se cobró nada; prueba con otra tarjeta
error-payment-pending = este pago todavía se está procesando; revisa tu saldo en un minuto
error-payment-unavailable = el servicio de pagos no responde; no se cobró nada, inténtalo más tarde
error-bad-signature = la firma del evento no corresponde al secreto de firma de este punto de conexión, o se firmó hace más de cinco minutos
error-payment-event-malformed = el cuerpo no es un evento de un proveedor de pagos
error-pin-digits = el PIN debe tener de 4 a 8 dígitos
error-pin-not-set = esta persona todavía no tiene PIN; el personal puede asignarle uno
error-pin-locked = { $minutes ->
        [one] demasiados PIN incorrectos: el acceso está bloqueado 1 minuto más
       *[other] demasiados PIN incorrectos: el acceso está bloqueado { $minutes } minutos más
    }
error-hours = el horario de visitas necesita un día de 1 (lunes) a 7 y una apertura antes del cierre
error-email-unconfirmed = primero confirma tu correo: abre el enlace que te enviamos
error-resident-gone = esta persona ya no está en el centro
error-approval-status = elige aprobado, denegado o suspendido
error-approval-reason = da un motivo para denegar o suspender
error-other-facility = esta visita pertenece a otro centro
error-privileged-not-recorded = las visitas privilegiadas nunca se graban
error-recording-exists = esta visita ya tiene una grabación
error-retention-days = las grabaciones se pueden guardar de 1 a { $most } días
error-blackout-order = un cierre debe empezar antes de terminar
error-blackout-length = un cierre puede durar como máximo un año
error-blackout-reason = da un motivo; se les dice a los visitantes
error-blackout-over = este cierre ya terminó
error-answer-length = una respuesta necesita de 1 a { $most } caracteres
error-credit-reason = di por qué se da el crédito (hasta 300 caracteres); el visitante lo lee
error-credit-range = un crédito de cortesía va de $0.01 a { $most }
error-credit-cap = tu rol puede dar { $cap } en créditos de cortesía al día y hoy quedan { $left }; pide más a un administrador del centro
error-no-lengths = permite al menos una duración de visita
error-lengths = las duraciones deben ser múltiplos de 5 minutos, de 5 a 240
error-setting-multiple-of-5 = { $name ->
        [slot_grid] la cuadrícula de horarios
       *[kiosk_gap] la pausa entre visitas del quiosco
    } debe ser un múltiplo de 5 minutos, como máximo 240
error-grid-zero = la cuadrícula de horarios no puede ser de 0 minutos
error-days-ahead = las visitas se pueden reservar con 1 a 366 días de anticipación
error-weekly-limit = el límite semanal por persona debe ser de 0 (ninguno) a 100 visitas
error-notice-too-long = { $name ->
        [booking_notice] la anticipación para reservar
       *[cancellation_notice] la anticipación para cancelar
    } puede ser como máximo de 30 días (43200 minutos)
error-no-kinds = ofrece visitas remotas, presenciales o ambas
error-time-zone = zona horaria desconocida "{ $zone }"; usa un nombre IANA como America/Chicago
error-facility-exists = ya existe un centro llamado "{ $name }"
error-account-exists = ya existe una cuenta con este correo
error-search-short = escribe al menos 2 letras del nombre, o el número de reserva
error-visit-not-booked = esta visita ya no está reservada
error-move-too-late = { $hours ->
        [one] una visita se puede mover hasta 1 hora antes de empezar; esta está demasiado cerca
       *[other] una visita se puede mover hasta { $hours } horas antes de empezar; esta está demasiado cerca
    }
error-visit-settled = esta visita ya se liquidó o se canceló
error-end-before-start = una visita no puede terminar antes de empezar
error-settle-before-start = una visita no se puede liquidar antes de empezar
error-missed-reason = di por qué la persona no vino (de 1 a { $most } caracteres)
error-not-missed = solo una visita a la que la persona faltó puede tener un motivo registrado
error-name-taken = este centro ya tiene { $what ->
        [unit] una unidad
       *[kiosk] un quiosco
    } llamado "{ $name }"
error-name-length = pon un nombre de 1 a 100 caracteres
error-rules-not-accepted = lee y acepta las normas de visita de este centro antes de reservar (GET /api/v1/facilities/{ $id }, luego POST …/rules/accept)
error-rules-changed = las normas del centro cambiaron desde que las leíste; vuelve a leerlas
error-rules-length = las normas de visita pueden tener como máximo { $most } caracteres en cada idioma
error-retire-reason = di por qué se retira el quiosco (hasta 300 caracteres); cada familia cuya visita se cancela lo lee
error-retire-unit-reason = indique por qué se retira del servicio la unidad (hasta 300 caracteres); cada familia cuya visita se cancele lo leerá
error-unit-has-residents = { $count ->
        [one] todavía vive 1 persona en esta unidad; trasládela primero a otra unidad (con una lista de internos o en la página de la lista)
       *[other] todavía viven { $count } personas en esta unidad; trasládelas primero a otra unidad (con una lista de internos o en la página de la lista)
    }
error-rules-not-read = esta familia no aceptó las normas de visita del centro: léeselas y vuelve a reservar con rules_read
