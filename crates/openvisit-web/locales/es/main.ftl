## Layout
site-name = OpenVisit
skip-to-content = Saltar al contenido principal
nav-home = Inicio
nav-facilities = Buscar un centro
nav-how = Cómo funciona
nav-faq = Preguntas
language-switch = English
language-switch-label = View this page in English
footer-note = OpenVisit es un servicio de visitas por video de código abierto. Las visitas en los quioscos del vestíbulo del centro son gratuitas.

page-not-found = Esta página no existe. Prueba la lista de centros.

## Home
home-title = Visitas por video con las personas que quieres
home-lead = Reserva una visita por video con una persona privada de libertad y hazla desde casa o desde el vestíbulo del centro.
home-cta = Regístrate y empieza a comunicarte hoy mismo
home-find = Buscar un centro
home-point-price = Ves el precio antes de reservar. Nunca hay depósitos ni cargos adicionales.
home-point-time = Las visitas terminan a la hora programada, así que llega diez minutos antes.
home-point-lang = Todas las páginas están en inglés y en español.

## Directory
facilities-title = Buscar un centro
facilities-search-label = Nombre del centro, ciudad o estado
facilities-search-button = Buscar
facilities-none = Ningún centro coincide con «{ $query }». Revisa cómo lo escribiste o pregunta al centro qué servicio de visitas por video usa.
facilities-count = { $count ->
    [one] Un centro usa OpenVisit.
   *[other] { $count } centros usan OpenVisit.
}
facilities-check = Solo los centros de esta lista reservan visitas por OpenVisit. Si el tuyo no aparece, pregunta al centro cómo organiza las visitas por video.

## Facility page
facility-visit-types = Visitas que se reservan aquí
facility-remote = Visitas remotas, desde tu propia computadora o teléfono
facility-onsite = Visitas presenciales, en un quiosco del vestíbulo del centro
facility-onsite-elsewhere = Aquí las visitas presenciales no se reservan por OpenVisit.
facility-onsite-contact = Para organizar una visita presencial, comunícate con el centro:
facility-price = Precio
facility-price-onsite-free = Las visitas en los quioscos del vestíbulo son gratuitas.
facility-price-free = Las visitas remotas en este centro son gratuitas.
facility-price-block = Las visitas remotas cuestan { $fee } por cada { $increment } minutos. Pagas toda la visita programada al reservar, aunque empiece tarde.
facility-price-per-minute = Las visitas remotas cuestan { $fee } por cada { $increment } minutos, cobrados por minuto según el tiempo que estés conectado. Al reservar se aparta el importe de toda la visita; lo que no uses vuelve a tu saldo.
facility-lengths = Duración de las visitas
facility-length-price = { $minutes } minutos: { $price }
facility-hours = Horario de visitas
facility-hours-note = Las horas están en la zona horaria del centro ({ $zone }).
facility-unit-closed = No hay horario de visitas.
facility-cancel = { $hours ->
        [0] Puedes cancelar hasta que empiece la visita y recibir el reembolso completo.
        [one] Puedes cancelar hasta { $hours } hora antes de una visita y recibir el reembolso completo.
       *[other] Puedes cancelar hasta { $hours } horas antes de una visita y recibir el reembolso completo.
    }
facility-words-other-language = (El centro lo escribió solo en inglés.) { $words }
facility-cancel-minutes = { $minutes ->
        [one] Puedes cancelar hasta { $minutes } minuto antes de una visita y recibir el reembolso completo.
       *[other] Puedes cancelar hasta { $minutes } minutos antes de una visita y recibir el reembolso completo.
    }
facility-contact = Contacto
facility-not-found = No encontramos ese centro. Vuelve a buscar en la lista.

## Weekdays
weekday-1 = lunes
weekday-2 = martes
weekday-3 = miércoles
weekday-4 = jueves
weekday-5 = viernes
weekday-6 = sábado
weekday-7 = domingo
weekday-short-1 = lun
weekday-short-2 = mar
weekday-short-3 = mié
weekday-short-4 = jue
weekday-short-5 = vie
weekday-short-6 = sáb
weekday-short-7 = dom
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre

## How it works
how-title = Cómo funcionan las visitas por video
how-step-find = Busca el centro en la lista. Comprueba que reserva visitas por OpenVisit y qué tipos de visita ofrece.
how-step-account = Crea una cuenta con tu correo electrónico y una contraseña de al menos diez caracteres.
how-step-approval = Pide que te aprueben para visitar a la persona. Búscala por nombre o por número de registro. El centro verifica tu identidad antes de aprobarte.
how-step-funds = Para las visitas remotas, agrega fondos a tu saldo. Las visitas en los quioscos del vestíbulo son gratuitas.
how-step-book = Reserva: elige el tipo de visita, la duración, el día y la hora. Las horas aparecen en la zona horaria del centro y en la tuya. Ves el precio antes de confirmar.
how-step-join = El día de la visita, prepárate diez minutos antes. La visita puede empezar hasta diez minutos antes si los dos están listos, y siempre termina a la hora programada.

## FAQ
faq-title = Preguntas y respuestas
faq-schedule-q = ¿Cómo programo una visita?
faq-schedule-a = Sigue los pasos de la página «Cómo funcionan las visitas por video»: busca el centro, crea una cuenta, obtén la aprobación y reserva.
faq-remote-only-q = Quiero una visita presencial, pero solo aparece «remota». ¿Por qué?
faq-remote-only-a = Algunos centros usan OpenVisit solo para visitas remotas y organizan las presenciales de otra manera. La página del centro lo indica y muestra cómo comunicarte con el centro para organizar una visita presencial.
faq-fee-q = ¿Tiene algún costo?
faq-fee-a = Las visitas en un quiosco del vestíbulo del centro son gratuitas. Las visitas remotas desde tu propio dispositivo tienen un costo que fija cada centro, cobrado en bloques de 15 o 30 minutos. Ves el precio antes de reservar y nunca se agrega otro cargo.
faq-late-q = Mi visita de 15 minutos empezó tarde y solo tuve 10 minutos. ¿Por qué?
faq-late-a = Todas las visitas terminan a la hora programada, aunque empiecen tarde: una visita reservada de 1:00 a 1:15 que empieza a la 1:05 termina a la 1:15. Así las visitas siguientes empiezan a tiempo. Prepárate diez minutos antes: si los dos están listos, la visita puede empezar hasta diez minutos antes y aun así no dura más de lo reservado.
faq-missed-q = La persona que visitaba llegó tarde. ¿Podemos recuperar el tiempo perdido?
faq-missed-a = El quiosco de la unidad siempre muestra cuándo empieza la próxima visita, para que la persona llegue a tiempo. Donde el centro cobra la visita completa, un inicio tardío no se reembolsa. Donde cobra por minuto, solo pagas los minutos en que estuviste conectado.
faq-cancel-q = ¿Puedo cancelar una visita?
faq-cancel-a = Sí. Cancela antes del plazo de aviso del centro (aparece en su página) y recibirás el reembolso completo. Si el centro cancela tu visita, siempre recibes tu dinero de vuelta automáticamente.

## Email
email-verify-subject = Confirma tu correo electrónico para OpenVisit
email-verify-body = Hola, { $name }:

    Abre este enlace para confirmar tu correo electrónico:
    { $link }

    El enlace funciona una sola vez, durante 48 horas. Si no creaste una cuenta de OpenVisit, ignora este correo.
email-reset-subject = Elige una nueva contraseña de OpenVisit
email-reset-body = Hola, { $name }:

    Abre este enlace para elegir una nueva contraseña:
    { $link }

    El enlace funciona una sola vez, durante una hora. Si no lo pediste, ignora este correo; tu contraseña no ha cambiado.

## Accounts
nav-register = Regístrate
nav-sign-in = Iniciar sesión
nav-sign-out = Cerrar sesión
nav-account = Mi cuenta
register-title = Crea tu cuenta
register-name = Tu nombre
register-email = Correo electrónico
register-password = Contraseña (al menos 10 caracteres)
register-language = Idioma de los correos
register-time-zone = Tu zona horaria
register-submit = Crear cuenta
register-sent-title = Revisa tu correo
register-sent = Si este correo es nuevo en OpenVisit, le enviamos un enlace para confirmarlo. Abre el enlace y luego inicia sesión. El enlace funciona durante 48 horas.
verify-ok-title = Tu correo electrónico está confirmado
verify-ok = Gracias. Ya puedes iniciar sesión y pedir que te aprueben para la persona que quieres visitar.
verify-bad-title = Este enlace ya no funciona
verify-bad = Caducó o ya se usó. Inicia sesión para pedir uno nuevo.
sign-in-title = Iniciar sesión
sign-in-submit = Iniciar sesión
sign-in-no-account = ¿Aún no tienes cuenta?
account-title = Mi cuenta
account-email-confirmed = Tu correo electrónico está confirmado.
account-email-unconfirmed = Tu correo electrónico aún no está confirmado. Abre el enlace que te enviamos.
account-resend = Enviar el enlace de nuevo
account-resent = Te enviamos el enlace de nuevo.
account-language-saved = Guardado.
account-save = Guardar
cross-origin-refused = Esta solicitud vino de otro sitio web y fue rechazada. Abra este sitio directamente e inténtelo de nuevo.
form-expired = Este formulario caducó. Vuelve a cargar la página e inténtalo de nuevo.
form-expired-again = Abrir el formulario de nuevo
error-invalid_email = Escribe un correo electrónico válido, como nombre@ejemplo.com.
error-weak_password = Elige una contraseña de al menos 10 caracteres.
error-invalid_name = Escribe tu nombre (hasta 100 caracteres).
error-invalid_language = Elige inglés o español.
error-invalid_time_zone = Elige tu zona horaria de la lista.
error-wrong_credentials = El correo, la contraseña o el código no son correctos.
error-locked = Demasiadas contraseñas incorrectas. Espera 15 minutos y vuelve a intentarlo.
error-too_many_attempts = Demasiados intentos desde tu red. Espera un minuto y vuelve a intentarlo.
app-description = Reserva y haz visitas por video con una persona bajo custodia.
offline-title = No tienes conexión
offline-text = OpenVisit necesita internet para mostrar tus visitas y para reservar o unirte a una. Revisa tu conexión y vuelve a intentarlo.
offline-retry = Intentar de nuevo
error-generic-title = Algo salió mal
error-generic = Algo salió mal de nuestro lado. No se cambió nada; inténtalo de nuevo.
tz-eastern = Este (Nueva York)
tz-central = Centro (Chicago)
tz-mountain = Montaña (Denver)
tz-arizona = Arizona (Phoenix)
tz-pacific = Pacífico (Los Ángeles)
tz-alaska = Alaska (Anchorage)
tz-hawaii = Hawái (Honolulu)
outbox-title = Correos enviados (bandeja de salida de la demostración)
outbox-empty = Todavía no se ha enviado ningún correo.
outbox-scope-mine = Solo se muestran los correos enviados a su propia dirección.
outbox-scope-nobody = Inicie sesión para ver los correos que se le enviaron. El operador del servidor ve todos los correos con el enlace que se mostró al iniciar el servidor.
outbox-scope-operator = Todos los correos que guardó este servidor (vista del operador).
outbox-to = Para

## Signed-in visitor
nav-visits = Mis visitas
nav-people = Personas que visito
nav-funds = Fondos
people-title = Personas que visito
people-none = Todavía no pediste visitar a nadie.
people-status-pending = Esperando que el centro te apruebe
people-status-approved = Aprobado
people-status-denied = No aprobado
people-status-suspended = Suspendido por el centro
people-book = Reservar una visita
people-find-title = Pedir visitar a alguien
people-facility = Centro
people-search = Nombre o número de registro
people-search-button = Buscar
people-no-match = Nadie coincide. Revisa cómo lo escribiste o usa el número de registro.
people-ask = Pedir aprobación
people-asked = Enviamos tu solicitud. El centro verifica tu identidad y luego te aprueba.
people-unconfirmed = Primero confirma tu correo electrónico: abre el enlace que te enviamos.
visits-title = Mis visitas
visits-upcoming = Próximas
visits-past = Pasadas y canceladas
visits-none = Todavía no hay visitas.
visits-with = Con { $name }
visits-when = { $facility_time } (hora del centro) · { $your_time } (tu hora)
visits-kind-remote = Visita remota
visits-kind-on_site = Visita presencial en el quiosco del vestíbulo
visits-price = Precio: { $price }
visits-price-free = Gratuita
visits-status-booked = Reservada
visits-status-cancelled = Cancelada
visits-status-completed = Realizada
visits-status-missed = No realizada
visits-status-ended_by_staff = Terminada por el centro
visits-status-failed = Perdida por un problema técnico (reembolsada)
visits-status-waiting = En la sala de espera
visits-status-live = En curso ahora
visits-cancel = Cancelar esta visita (recibes { $refund } de vuelta)
visits-cancel-free = Cancelar esta visita
visits-cancel-no-refund = Cancelar esta visita (ya es tarde para un reembolso)
visits-cancelled = La visita está cancelada. { $refund } volvió a tu saldo.
visits-cancelled-free = La visita está cancelada.
visits-cancel-ask = ¿Cancelar esta visita?
visits-cancel-when = { $time } (hora del centro)
visits-cancel-back = Recibes { $refund } de vuelta en tu saldo.
visits-cancel-nothing-back = Es demasiado tarde para un reembolso: no vuelve nada a tu saldo.
visits-cancel-yes = Sí, cancelar la visita
visits-cancel-keep = No, mantener la visita
visits-booked = Tu visita está reservada.
visits-join-note = El botón para entrar se activa 10 minutos antes del inicio.
visits-move = Cambiar a otro horario
visits-moved = Tu visita se cambió de horario. La invitación de calendario de tu correo está actualizada.
move-title = Cambiar el horario de tu visita con { $name }
move-now = Ahora: { $facility_time } hora del centro ({ $your_time } tu hora).
move-price = El precio sigue siendo { $price }: no se cobra nada más y no se devuelve nada.
move-price-free = Esta visita sigue siendo gratuita.
move-confirm = Cambiar la visita
move-keep = Mantener el horario actual
move-back = Volver a mis visitas
move-taken = Alguien acaba de reservar ese horario. Elige otro:
move-too-late = { $hours ->
        [one] Ya es tarde para cambiar esta visita: las visitas se pueden cambiar hasta 1 hora antes de empezar.
       *[other] Ya es tarde para cambiar esta visita: las visitas se pueden cambiar hasta { $hours } horas antes de empezar.
    }
rules-title = Antes de reservar en { $facility }
rules-lead = Lee las normas de visita del centro. Las aceptas una vez; si el centro las cambia, se te pedirá de nuevo. Una visita que no las cumpla se puede terminar.
rules-accept = Leí estas normas y las cumpliré
rules-not-now = Ahora no
book-title = Reservar una visita con { $name }
book-kind = Tipo de visita
book-length = Duración
book-length-option = { $minutes } minutos ({ $price })
book-show-days = Ver horarios libres
book-days = Días con horarios libres
book-day-option = { $count ->
        [one] { $day }: { $count } horario libre
       *[other] { $day }: { $count } horarios libres
    }
book-no-days = No hay horarios libres en las próximas dos semanas. Prueba otra duración.
book-times = Horarios libres el { $day }
book-long-day = { $weekday } { $day } de { $month }
book-month = { $month } de { $year }
book-morning = Mañana
book-afternoon = Tarde
book-evening = Noche
book-your-time = { $time } tu hora
book-zone-same = Los horarios son la hora local del centro ({ $zone }), la misma que la tuya.
book-zone-differs = Los horarios son la hora local del centro ({ $zone }); tu propia hora ({ $your_zone }) aparece debajo de cada uno.
book-price = Pagas { $price } ahora, de tu saldo de { $balance }.
book-price-free = Esta visita es gratuita.
book-confirm = Reservar y pagar
book-taken = Alguien acaba de reservar ese horario. Estos son los horarios libres más cercanos:
book-add-funds = Tu saldo es { $balance }; esta visita cuesta { $price }. Agrega fondos y vuelve a reservar.
book-add-funds-link = Agregar fondos
funds-title = Fondos
funds-balance = Tu saldo: { $balance }
funds-add = Agregar fondos
funds-amount = Importe
funds-card = Tarjeta (demostración: cualquier número sirve)
funds-added = Fondos agregados. Tu saldo ahora es { $balance }.
funds-pay-on-stripe = Paga en la página segura de Stripe y luego vuelve aquí.
funds-payment-processing = Gracias. Estamos confirmando tu pago; tu saldo sube en cuanto la compañía de la tarjeta lo confirme, normalmente en menos de un minuto. Vuelve a cargar esta página para verlo.
funds-payment-cancelled = El pago se canceló y no se cobró nada.
funds-history = Historial
funds-none = Todavía no se movió dinero.
funds-back = Volver a tu reserva

## Visit emails
email-booked-subject = Tu visita con { $name } está reservada
email-booked-body = Hola, { $visitor }:

    Tu { $kind } con { $name } en { $facility } está reservada:
    { $facility_time } (hora del centro)
    { $your_time } (tu hora)
    Duración: { $minutes } minutos. Precio: { $price }.

    Prepárate diez minutos antes: la visita termina a la hora programada. Adjuntamos la invitación para tu calendario.
email-cancelled-subject = Tu visita con { $name } está cancelada
email-cancelled-body = Hola, { $visitor }:

    Tu visita con { $name } en { $facility } del { $facility_time } (hora del centro) está cancelada.
email-cancelled-refund = { $refund } volvió a tu saldo.
email-reminder-subject = Recordatorio: tu visita con { $name }
email-reminder-body = Hola, { $visitor }:

    Tu visita con { $name } en { $facility } empieza el { $facility_time } (hora del centro), { $your_time } (tu hora).
    Prepárate diez minutos antes.

## Contact
nav-contact = Contáctanos
contact-title = Haznos una pregunta
contact-lead = Si las preguntas y respuestas no te ayudan, escríbenos. Respondemos por correo electrónico.
contact-name = Tu nombre
contact-email = Tu correo electrónico
contact-facility = Sobre qué centro (opcional)
contact-facility-none = No es sobre un centro
contact-message = Tu pregunta
contact-send = Enviar
contact-sent-title = Recibimos tu pregunta
contact-sent = Tu número de referencia es { $reference }. Te lo enviamos por correo y te responderemos por correo electrónico.
error-invalid_message = Escribe tu pregunta (hasta 4000 caracteres).
email-ticket-subject = Recibimos tu pregunta ({ $reference })
email-ticket-body = Hola, { $name }:

    Recibimos tu pregunta. Tu número de referencia es { $reference }; menciónalo si vuelves a escribir. Te responderemos por correo electrónico.

    Tu pregunta:
    { $message }

## Password reset
forgot-link = ¿Olvidaste tu contraseña?
forgot-title = Elige una nueva contraseña
forgot-lead = Escribe tu correo electrónico. Si tiene una cuenta, le enviamos un enlace para elegir una nueva contraseña.
forgot-submit = Enviar el enlace
forgot-sent = Si este correo tiene una cuenta, le enviamos un enlace. El enlace funciona durante una hora.
reset-title = Elige una nueva contraseña
reset-password = Nueva contraseña (al menos 10 caracteres)
reset-submit = Guardar la nueva contraseña
reset-done-title = Tu contraseña cambió
reset-done = Inicia sesión con tu nueva contraseña. Se cerraron las demás sesiones.

## Join and receipts
visits-starts-in-days = { $hours ->
        [0] { $days ->
            [one] Empieza en { $days } día
           *[other] Empieza en { $days } días
        }
        [one] { $days ->
            [one] Empieza en { $days } día y { $hours } hora
           *[other] Empieza en { $days } días y { $hours } hora
        }
       *[other] { $days ->
            [one] Empieza en { $days } día y { $hours } horas
           *[other] Empieza en { $days } días y { $hours } horas
        }
    }
visits-starts-in-hours = { $minutes ->
        [0] { $hours ->
            [one] Empieza en { $hours } hora
           *[other] Empieza en { $hours } horas
        }
        [one] { $hours ->
            [one] Empieza en { $hours } hora y { $minutes } minuto
           *[other] Empieza en { $hours } horas y { $minutes } minuto
        }
       *[other] { $hours ->
            [one] Empieza en { $hours } hora y { $minutes } minutos
           *[other] Empieza en { $hours } horas y { $minutes } minutos
        }
    }
visits-starts-in-minutes = { $minutes ->
        [one] Empieza en { $minutes } minuto
       *[other] Empieza en { $minutes } minutos
    }
visits-started = En curso ahora
visits-join = Entrar a la visita
visits-join-opens = Puedes entrar desde las { $time }.
visits-receipt = Recibo
join-title = Tu visita
join-not-yet = La visita se abre 10 minutos antes de empezar. Vuelve entonces.
join-unavailable = Las visitas por video aún no están activadas en este servidor. Tu visita se mantiene; el centro se comunicará contigo.
receipt-title = Recibo { $number }
receipt-date = Fecha
receipt-what = Concepto
receipt-amount = Importe
receipt-visit = Visita
entry-deposit = Fondos agregados
entry-visit_charge = Visita pagada
entry-visit_hold = Importe de la visita apartado
entry-hold_capture = Visita liquidada por minuto
entry-refund = Reembolso
entry-credit = Crédito
ledger-visit-with = con { $name }, { $time }
ledger-minutes-connected = { $minutes ->
    [one] { $minutes } minuto conectado
   *[other] { $minutes } minutos conectados
}
ledger-minutes-lost = { $minutes ->
    [one] { $minutes } minuto perdido por una falla nuestra
   *[other] { $minutes } minutos perdidos por una falla nuestra
}

email-changed-subject = Tu visita con { $name } tiene un nuevo horario
email-changed-body = Hola, { $visitor }:

    Tu { $kind } con { $name } en { $facility } ahora empieza:
    { $facility_time } (hora del centro)
    { $your_time } (tu hora)
    Duración: { $minutes } minutos. Precio: { $price } (sin cambios).

    La invitación adjunta reemplaza a la anterior.

# Sala de la visita (página del visitante y quioscos)
live-intro = Comprueba tu cámara y tu micrófono y luego indica que estás listo. La visita empieza cuando los dos estén listos.
live-kiosk-intro = Preparando la visita…
live-devices-ok = Tu cámara y tu micrófono funcionan.
live-devices-failed = No pudimos usar tu cámara o tu micrófono. Permítelos en tu navegador e inténtalo de nuevo.
live-disconnected = Se perdió la conexión. Abre la visita de nuevo para volver a entrar; la hora de fin no cambia.
live-reconnecting = Se perdió la conexión. Volviendo a conectar… La hora de fin no cambia.
live-replaced = Esta visita se abrió en otra ventana u otro dispositivo, así que se detuvo aquí.
live-waiting = Esperando a que empiece la visita.
live-live = Estás en la visita.
live-other-away = La otra persona no está conectada ahora.
live-other-present = La otra persona está aquí.
live-other-ready = La otra persona está lista.
live-kiosk-online = El quiosco del centro está en línea.
live-time-left = Tiempo restante: {"{"}time{"}"}
live-warning-5 = Quedan 5 minutos.
live-warning-1 = Queda 1 minuto.
live-left = Saliste de la visita. Puedes volver a entrar antes de que termine.
live-ended-completed = La visita ha terminado.
live-ended-by-staff = El centro terminó la visita.
live-ended-missed = La visita no se realizó.
live-ended-failed = La visita se perdió por una falla técnica. Los minutos perdidos se abonan a tu saldo.
live-error-not-open = La sala de espera abre 10 minutos antes de que empiece la visita.
live-error-over = Esta visita ha terminado.
live-error-wrong-pin = Ese PIN no es correcto. Inténtalo de nuevo.
live-error-wrong-code = Ninguna visita aquí tiene ese código. Revisa el correo de tu reserva.
live-error-locked = Demasiados intentos fallidos. Espera unos minutos e inténtalo de nuevo.
live-error-unavailable = El video no está disponible ahora. Inténtalo en un minuto.
live-remote-video = La otra persona
live-local-video = Tú
live-check = Comprobar cámara y micrófono
live-ready = Estoy listo
live-mute = Silenciar
live-camera-off = Apagar cámara
live-leave = Salir
live-title = Tu visita con { $name }
live-with = { $facility } · { $time }
kiosk-next-title = Próxima visita
kiosk-next = {"{"}name{"}"}: {"{"}day{"}"} a las {"{"}time{"}"}
kiosk-no-visit = No hay visitas programadas en este quiosco.
kiosk-loading = Cargando…
kiosk-pin = Tu PIN
kiosk-code = El código de la confirmación de tu reserva
kiosk-sign-in = Empezar
kiosk-setup-title = Configurar este quiosco
kiosk-not-set-up = Esta pantalla todavía no está configurada como quiosco, o su quiosco se configuró de nuevo en otra pantalla. Configúrenla aquí con un código nuevo.
kiosk-setup-lead = Personal: escriban el código de configuración del quiosco. Un administrador lo crea con `openvisit kiosk-key`; sirve una vez, durante un día.
kiosk-setup-code = Código de configuración
kiosk-setup-submit = Configurar el quiosco
kiosk-setup-bad-code = Este código no es válido: puede estar mal escrito, ya usado o tener más de un día. Pidan uno nuevo a un administrador.
visits-lobby-code = Tu código para el quiosco del vestíbulo: { $code }
live-notice-lockdown = El centro está en cierre de seguridad: la visita puede retrasarse o cancelarse.
live-notice-court = La persona que visitas está en el tribunal.
live-notice-delay = La visita va con retraso.
live-notice-other = Un mensaje del centro:
live-notice-other-language = (El personal lo escribió solo en inglés.)
live-weak-link = La conexión es lenta, por eso la imagen se ve menos nítida. El sonido va primero.
monitor-title = Visitas en vivo
monitor-intro = Visitas de tu centro que están en vivo o en su sala de espera. Observar es silencioso: no se avisa a las personas de la visita. Las visitas privilegiadas (de abogados) no se pueden observar.
monitor-none = No hay visitas en vivo ahora.
monitor-watch = Ver y escuchar
monitor-privileged = Privilegiada: no se observa ni se graba
monitor-end = Terminar la visita
monitor-reason = Motivo
monitor-reason-needed = Indica por qué se termina la visita.
monitor-ended = La visita ha terminado.
monitor-visit = Visita n.º {"{"}id{"}"}
monitor-waiting = Sala de espera
monitor-live = En vivo
monitor-visitor = Visitante
monitor-resident = Persona privada de libertad
recording-title = Grabación de la visita n.º { $number }
recording-none = No hay grabación de esta visita (privilegiada, no realizada o borrada tras el plazo de conservación).
recording-failed-retrying = La grabación de esta visita todavía no se pudo montar ({ $attempts } { $attempts ->
    [one] intento
   *[other] intentos
}). Los archivos se guardan y el servidor vuelve a intentarlo cada diez minutos.
recording-failed = La grabación de esta visita no se pudo montar tras { $attempts } intentos. Los archivos se guardan hasta el final del plazo de conservación; pide a tu administrador que revise el registro del servidor.
email-lobby-code = En el centro, identifícate en el quiosco del vestíbulo con este código: { $code }
sign-in-code = Código de verificación (solo personal)
sign-in-code-hint = Personal del centro: el código de 6 dígitos de tu aplicación de autenticación. Los visitantes lo dejan vacío.
error-code_required = El personal inicia sesión también con el código de 6 dígitos de su aplicación de autenticación.
email-reply-subject = La respuesta a tu pregunta ({ $reference })
email-reply-body = Hola { $name }:

    { $message }

    Referencia: { $reference }. Si necesitas más ayuda, responde con el formulario de contacto e indícala.
